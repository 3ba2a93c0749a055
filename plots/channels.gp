# channels.gp - chart 3: event channels. Panel 1: deliveries counted against
# the delivery allocation (rolling 24 h) with the allocation as a dashed
# line; panel 2: events published and not yet read (backlog); panel 3: age
# of the oldest unread event against the retention window (events older
# than the window are gone: lost unless reconciled).
#
# Variables: DATA (CSV: time_s, then per channel <id>.allocation_used,
# <id>.backlog, <id>.oldest_unread_age_s: every channel), TITLE, N (channels
# drawn), NALL (channels in DATA), COL[N] (each drawn channel's position in
# DATA), CH[N], ALLOC[N] (0 = no allocation), ALLOCTXT[N] (the same as
# text, "100,000,000"), RET[N] (seconds, 0 = none),
# TSCALE, TUNIT, XMAX, OMITTED (channels not drawn), NNOTE, NOTES[NNOTE]
# (the lines under the title that say which are drawn when not all).
set multiplot layout 3,1 title NOTED_TITLE font TITLE_FONT
set xlabel sprintf("simulated time (%s)", TUNIT)
set xrange [0:XMAX]
set yrange [0:*]
set key at screen 0.735, graph 1 left top vertical Left reverse noopaque
# room at the left for a tic label of an allocation of 100,000,000
set lmargin at screen 0.09
set rmargin at screen 0.72
set format y "%.0f"
# Channels that share an allocation or a retention share one key entry
# ("allocation 100,000,000 (6 channels)"), not one line of the key each:
# KEYED[i] is 0 for a channel whose value an earlier channel has, else how
# many drawn channels have it.
array AKEYED[N]
array RKEYED[N]
do for [i=1:N] {
    AKEYED[i] = 0
    RKEYED[i] = 0
    a_first = 1
    r_first = 1
    do for [j=1:N] {
        if (ALLOC[j] == ALLOC[i]) { AKEYED[i] = AKEYED[i] + 1; if (j < i) { a_first = 0 } }
        if (RET[j] == RET[i]) { RKEYED[i] = RKEYED[i] + 1; if (j < i) { r_first = 0 } }
    }
    if (!a_first) { AKEYED[i] = 0 }
    if (!r_first) { RKEYED[i] = 0 }
}
alloc_key(i) = ALLOC[i] <= 0 || AKEYED[i] == 0 ? "" : \
    AKEYED[i] > 1 ? sprintf("allocation %s (%d channels)", ALLOCTXT[i], AKEYED[i]) : \
    sprintf("%s: allocation %s", CH[i], ALLOCTXT[i])
ret_key(i) = RET[i] <= 0 || RKEYED[i] == 0 ? "" : \
    RKEYED[i] > 1 ? sprintf("retention %.0f h (%d channels)", RET[i]/3600, RKEYED[i]) : \
    sprintf("%s: retention %.0f h", CH[i], RET[i]/3600)
set title "Delivery allocation: deliveries counted in the rolling 24 h window" font PANEL_FONT
set ylabel "deliveries"
# A broker has no allocation and its column is empty: with no allocation at
# all gnuplot would find no point to draw and stop with an error.
NALLOC = 0
do for [i=1:N] { NALLOC = NALLOC + (ALLOC[i] > 0) }
if (NALLOC > 0) {
    plot for [i=1:N] DATA skip 1 using ($1/TSCALE):(column(3*COL[i]-1)) with lines lt i title sprintf("%s: used", CH[i]), \
         for [i=1:N] (ALLOC[i] > 0 ? ALLOC[i] : NaN) with lines lt i lw 2 dt 2 title alloc_key(i)
} else {
    set yrange [0:1]
    set format y ""
    set label 1 "no channel counts deliveries against an allocation (brokers have none)" at graph 0.5, graph 0.5 center
    plot NaN notitle
    unset label 1
    set format y "%.0f"
}
set title "Backlog: events published and not yet read by the slowest subscriber" font PANEL_FONT
set ylabel "events"
set yrange [0:10<*]
plot for [i=1:N] DATA skip 1 using ($1/TSCALE):(column(3*COL[i])) with lines lt i title CH[i]
set title "Oldest unread event against the retention window" font PANEL_FONT
set ylabel "age (h)"
set yrange [0:1<*]
set format y "%g"
plot for [i=1:N] DATA skip 1 using ($1/TSCALE):(column(3*COL[i]+1)/3600) with lines lt i title sprintf("%s: oldest unread", CH[i]), \
     for [i=1:N] (RET[i] > 0 ? RET[i]/3600 : NaN) with lines lc rgb LIMIT_COLOR lw 2 dt 2 title ret_key(i)
unset multiplot
