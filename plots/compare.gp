# compare.gp - chart 6: headline metrics across variants (what-if runs,
# patterns compared). Grouped bars: each group is a metric, each bar a
# variant, the whisker its confidence interval. Metrics are grouped into one
# panel per unit so that bars side by side share an axis.
#
# Variables: $D (a datablock: one block per panel, blocks separated by two
# blank lines; rows "m,mean_1,hw_1,...,mean_NV,hw_NV", m the metric's index
# in MLAB), MLAB[] (the metrics' labels), TITLE, NP (panels), PUNIT[NP],
# NV, VAR[NV], YMIN[NP], YMAX[NP] (the y range of each panel, from 0 or
# below the lowest whisker to above the highest).
set multiplot layout NP,1 title TITLE font TITLE_FONT
set style data histograms
set style histogram errorbars gap 1.5 lw 1.2
set style fill solid 0.85 border rgb "#ffffff"
set boxwidth 0.9
set grid noxtics
set key at screen 0.735, graph 1 left top vertical Left reverse noopaque
set lmargin at screen 0.07
set rmargin at screen 0.72
set xtics scale 0
do for [p=1:NP] {
    set ylabel PUNIT[p]
    set yrange [YMIN[p]:YMAX[p]]
    set title sprintf("in %s", PUNIT[p]) font PANEL_FONT
    plot for [v=1:NV] $D index (p-1) using (column(2*v)):(column(2*v+1)):xtic(MLAB[int(column(1))]) lt v title VAR[v]
}
unset multiplot
