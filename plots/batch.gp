# batch.gp - chart 4: batch runs, one row per batch flow. Left: the
# duration of the latest run over the simulated horizon against the window
# (hard cutoff, red). Right: the projection of the duration as the data
# grows (results/res_projection.h): a curve through the simulated runs (the
# dot: their mean duration at the middle of the horizon) and, when most
# replications project an overrun, through the window at their median
# month (the cross, with the range of the replications as its bar).
# Without that evidence the curve is what the duration would do if it grew
# with the data, and the panel title says so. The projection is an
# extrapolation, not a simulated fact.
#
# Variables: DATA (CSV: time_s, then per flow <id>.duration_s: every batch
# flow), TITLE, N (flows drawn), NALL (flows in DATA), COL[N] (each drawn
# flow's position in DATA), OMITTED (flows not drawn), NNOTE, NOTES[NNOTE]
# (the lines under the title that say which are drawn when not all),
# FLOW[N], WINDOW[N] (s, 0 = none), GROWTH[N] (per month), ANCHOR_M[N]
# (months), ANCHOR_S[N] (duration in s at the anchor; 0 = no curve),
# SLOPE[N] (log-duration per month), CROSS_M[N], CROSS_LO[N], CROSS_HI[N]
# (the median projected month and its range; NaN = none), DMEAN[N] (mean
# simulated duration, s), XMAXM[N] (months shown), HDAYS (the horizon in
# days), MONTH_DAYS (days in a month), YTOP[N] (the y axis reaches at least
# this, in minutes: room above the window for the key), PLABEL[N] (the
# curve's key), PTITLE[N] (the projection panel's title).
set multiplot layout N,2 title NOTED_TITLE font TITLE_FONT
set key top left opaque box
set ylabel "run duration (min)"
do for [i=1:N] {
    set title sprintf("%s: simulated runs", FLOW[i]) font PANEL_FONT
    set xlabel "simulated time (days)"
    set xrange [0:HDAYS]
    set yrange [0:YTOP[i]<*]
    plot DATA skip 1 using ($1/86400):(column(COL[i]+1) > 0 ? column(COL[i]+1)/60 : NaN) with steps lt 1 title "latest run (mean of replications)", \
         (WINDOW[i] > 0 ? WINDOW[i]/60 : NaN) with lines lc rgb LIMIT_COLOR lw 2 dt 2 title (WINDOW[i] > 0 ? sprintf("window: %.0f min", WINDOW[i]/60) : "")
    set title PTITLE[i] font PANEL_FONT
    set xlabel "months from the start"
    set xrange [0:XMAXM[i]]
    set yrange [0:YTOP[i]<*]
    set samples 300
    plot (ANCHOR_S[i] > 0 ? ANCHOR_S[i]/60 * exp(SLOPE[i]*(x - ANCHOR_M[i])) : NaN) with lines lt 2 lw 2 dt 4 title (ANCHOR_S[i] > 0 ? PLABEL[i] : ""), \
         (WINDOW[i] > 0 ? WINDOW[i]/60 : NaN) with lines lc rgb LIMIT_COLOR lw 2 dt 2 title (WINDOW[i] > 0 ? "window" : ""), \
         '+' every ::0::0 using (HDAYS/2/MONTH_DAYS):(DMEAN[i] > 0 ? DMEAN[i]/60 : NaN) with points lt 1 pt 7 ps 1.3 title "simulated (mean of all runs)", \
         '+' every ::0::0 using (CROSS_M[i]):(WINDOW[i]/60):(CROSS_LO[i]):(CROSS_HI[i]) with xerrorbars lt 2 pt 2 ps 1.6 lw 1.5 title (CROSS_M[i] == CROSS_M[i] ? "projected overrun (range over replications)" : "")
}
unset multiplot
