# batch.gp - chart 4: batch runs, one row per batch flow. Left: the
# duration of the latest run over the simulated horizon against the window
# (hard cutoff, red). Right: the projection of the duration as the data
# grows (compounded monthly growth, anchored at the model's projected
# overrun month, else at the mean simulated duration, marked by a dot):
# where it crosses the window is when the job stops fitting. The projection
# is an extrapolation, not a simulated fact.
#
# Variables: DATA (CSV: time_s, then per flow <id>.duration_s), TITLE, N,
# FLOW[N], WINDOW[N] (s, 0 = none), GROWTH[N] (per month), ANCHOR_M[N]
# (months), ANCHOR_S[N] (duration in s at the anchor; 0 = no projection),
# DMEAN[N] (mean simulated duration, s), XMAXM[N] (months shown), HDAYS
# (the horizon in days), YTOP[N] (the y axis reaches at least this, in
# minutes: room above the window for the key).
set multiplot layout N,2 title TITLE font TITLE_FONT
set key top left opaque box
set ylabel "run duration (min)"
do for [i=1:N] {
    set title sprintf("%s: simulated runs", FLOW[i]) font PANEL_FONT
    set xlabel "simulated time (days)"
    set xrange [0:HDAYS]
    set yrange [0:YTOP[i]<*]
    plot DATA skip 1 using ($1/86400):(column(i+1) > 0 ? column(i+1)/60 : NaN) with steps lt 1 title "latest run (mean of replications)", \
         (WINDOW[i] > 0 ? WINDOW[i]/60 : NaN) with lines lc rgb LIMIT_COLOR lw 2 dt 2 title (WINDOW[i] > 0 ? sprintf("window: %.0f min", WINDOW[i]/60) : "")
    set title sprintf("%s: projection at %.1f%% data growth per month", FLOW[i], 100*GROWTH[i]) font PANEL_FONT
    set xlabel "months from the start"
    set xrange [0:XMAXM[i]]
    set yrange [0:YTOP[i]<*]
    set samples 300
    plot (ANCHOR_S[i] > 0 ? ANCHOR_S[i]/60 * (1 + GROWTH[i])**(x - ANCHOR_M[i]) : NaN) with lines lt 2 lw 2 dt 4 title "projected duration", \
         (WINDOW[i] > 0 ? WINDOW[i]/60 : NaN) with lines lc rgb LIMIT_COLOR lw 2 dt 2 title (WINDOW[i] > 0 ? "window" : ""), \
         '+' every ::0::0 using (HDAYS/2/30.44):(DMEAN[i] > 0 ? DMEAN[i]/60 : NaN) with points lt 1 pt 7 ps 1.3 title "simulated (mean)"
}
unset multiplot
