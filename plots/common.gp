# common.gp - the look shared by every erpsim chart. The chart's script is
#   terminal + output + the chart's variables, then this file, then the
#   chart's template (plt_gnuplot.h).
# Colours: the Tableau 10 palette, readable in print and by most colour-blind
# readers; red is kept for limits and orange for the 70% warning line.
set termoption noenhanced
set datafile separator ","
set border 3 lw 1 lc rgb "#555555"
set tics nomirror out scale 0.6
set grid xtics ytics lw 1 lc rgb "#e4e4e4" dt 1
set key top left opaque box lc rgb "#cccccc" samplen 2.5 spacing 1.1
set linetype 1 lc rgb "#1f77b4" lw 2 pt 7 ps 0.6
set linetype 2 lc rgb "#2ca02c" lw 2 pt 7 ps 0.6
set linetype 3 lc rgb "#9467bd" lw 2 pt 7 ps 0.6
set linetype 4 lc rgb "#8c564b" lw 2 pt 7 ps 0.6
set linetype 5 lc rgb "#e377c2" lw 2 pt 7 ps 0.6
set linetype 6 lc rgb "#17becf" lw 2 pt 7 ps 0.6
set linetype 7 lc rgb "#7f7f7f" lw 2 pt 7 ps 0.6
set linetype 8 lc rgb "#bcbd22" lw 2 pt 7 ps 0.6
set linetype cycle 8
LIMIT_COLOR = "#d62728"
WARN_COLOR = "#ff7f0e"
SHADE_COLOR = "#d62728"
TITLE_FONT = ",15"
PANEL_FONT = ",12"
# A chart of plt_charts.c that draws only some of its items (NNOTE > 0)
# says which under its title, one line of NOTES each.
if (exists("NNOTE")) {
    NOTED_TITLE = TITLE
    do for [i=1:NNOTE] {
        NOTED_TITLE = NOTED_TITLE."\n".NOTES[i]
    }
}
