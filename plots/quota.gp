# quota.gp - chart 1: API quota use over time, one panel per system with a
# daily limit: calls counted in the quota window (rolling 24 h or calendar
# day), the limit, and the warning line at 1 - HEADROOM of it (the card's
# rule: keep 30% headroom, MDL_HEADROOM).
#
# Variables: DATA (CSV: time_s, then per system <id>.use_mean, <id>.use_max:
# every system), TITLE, N (systems drawn), NALL (systems in DATA), COL[N]
# (each drawn system's position in DATA), SYS[N], LIMIT[N], WINDOW[N] (a
# text), TSCALE (seconds per x unit), TUNIT, XMAX, HEADROOM (the share of a
# limit to keep free), OMITTED (systems not drawn), NNOTE, NOTES[NNOTE]
# (the lines under the title that say which are drawn when not all).
set multiplot layout N,1 title NOTED_TITLE font TITLE_FONT
set xlabel sprintf("simulated time (%s)", TUNIT)
set ylabel "API calls in the window"
set xrange [0:XMAX]
set yrange [0:*]
set format y "%.0f"
set key at screen 0.735, graph 1 left top vertical Left reverse noopaque
set lmargin at screen 0.07
set rmargin at screen 0.72
do for [i=1:N] {
    set title sprintf("%s: API calls counted in the %s window", SYS[i], WINDOW[i]) font PANEL_FONT
    plot DATA skip 1 using ($1/TSCALE):(column(2*COL[i])) with lines lt 1 title "use (mean of replications)", \
         DATA skip 1 using ($1/TSCALE):(column(2*COL[i]+1)) with lines lt 1 lw 1 dt 3 title "use (highest replication)", \
         LIMIT[i] with lines lc rgb LIMIT_COLOR lw 2 dt 2 title sprintf("limit: %.0f calls", LIMIT[i]), \
         (1 - HEADROOM)*LIMIT[i] with lines lc rgb WARN_COLOR lw 1.5 dt 4 title sprintf("%.0f%% of the limit (%.0f%% headroom rule)", 100*(1 - HEADROOM), 100*HEADROOM)
}
unset multiplot
