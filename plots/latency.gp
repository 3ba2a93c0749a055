# latency.gp - chart 2: the latency distribution of every flow as a CDF on a
# log time axis, each flow's SLO as a dashed vertical line of its colour,
# and the p95 and p99 levels as dotted horizontal lines.
#
# Variables: DATA (CSV: latency_s, then the CDF of each flow; empty where a
# flow has no observation yet or any more), TITLE, N (flows drawn), NALL
# (flows in DATA), COL[N] (each drawn flow's position in DATA), FLOW[N],
# SLO[N] (seconds, 0 = none), SLOTXT[N], XMIN, XMAX, OMITTED (flows not
# drawn), NNOTE, NOTES[NNOTE] (the lines under the title that say which are
# drawn when not all).
set title NOTED_TITLE font TITLE_FONT
set logscale x 10
set xrange [XMIN:XMAX]
set yrange [0:1.02]
# tics at durations people read (gnuplot drops those outside the range)
set xtics ("1 \302\265s" 1e-6, "10 \302\265s" 1e-5, "100 \302\265s" 1e-4, "1 ms" 1e-3, "10 ms" 0.01, "100 ms" 0.1, \
           "1 s" 1, "10 s" 10, "1 min" 60, "10 min" 600, "1 h" 3600, "6 h" 21600, "1 d" 86400, \
           "1 w" 604800, "4 w" 2419200)
set xlabel "latency from creation to applied in the target (log scale)"
set ylabel "share of delivered records at or below (CDF)"
set lmargin at screen 0.07
set rmargin at screen 0.76
set key at screen 0.775, graph 1 left top vertical Left reverse noopaque
# Flows that share an SLO share one line and one label ("SLO 2 s, 8 flows"),
# not a stack of labels printed over each other.
do for [i=1:N] {
    if (SLO[i] > 0) {
        set arrow i from SLO[i], graph 0 to SLO[i], graph 1 nohead lt i lw 1.5 dt 2 front
        earlier = 0
        shared = 0
        do for [j=1:N] {
            if (SLO[j] == SLO[i]) {
                shared = shared + 1
                if (j < i) { earlier = earlier + 1 }
            }
        }
        if (earlier == 0) {
            slo_text = shared > 1 ? sprintf(" SLO %s, %d flows", SLOTXT[i], shared) : sprintf(" SLO %s", FLOW[i])
            slo_colour = shared > 1 ? -1 : i
            set label i slo_text at SLO[i], graph 0.06 left rotate by 90 offset 1,0 tc lt slo_colour front
        }
    }
}
set arrow 101 from graph 0, first 0.99 to graph 1, first 0.99 nohead lc rgb "#777777" lw 1 dt 3
set arrow 102 from graph 0, first 0.95 to graph 1, first 0.95 nohead lc rgb "#aaaaaa" lw 1 dt 3
set label 101 "p99" at graph 0.995, first 0.99 right offset 0,0.55 tc rgb "#555555"
set label 102 "p95" at graph 0.995, first 0.95 right offset 0,-0.55 tc rgb "#777777"
plot for [i=1:N] DATA skip 1 using 1:(column(COL[i]+1)) with steps lt i title sprintf("%s (SLO %s)", FLOW[i], SLOTXT[i]), \
     NaN with lines lc rgb "#555555" lw 1.5 dt 2 title "SLO (dashed, the flow's colour)"
