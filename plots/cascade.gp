# cascade.gp - chart 5: the cascade. Panel 1: how full each caller pool and
# each endpoint's workers are over time, with the share of time each
# circuit breaker is open shaded behind; panel 2: the records rejected, per
# flow, stacked by reason (a pool that fills rejects records of every flow
# that shares it: that is the cascade).
#
# Variables: DATA (CSV: time_s, then NUCOL utilisation columns in %, then
# the breaker-open columns in % of the interval: every pool, worker set and
# breaker), TITLE, NU (lines drawn), UCOL[NU] (their positions among the
# utilisation columns), UNAME[NU], NB (breakers drawn), BCOL[NB] (their
# positions among the breaker columns), BNAME[NB], $REJD (the drawn flows'
# rows of series/rejections.csv: the row number, then one column per
# reason), NR (reasons), RNAME[NR], NF (flows drawn), FNAME[NF], TSCALE,
# TUNIT, XMAX, NUALL, NBALL, NFALL (how many there are), OMITTED (how many
# are not drawn), NNOTE, NOTES[NNOTE] (the lines under the title that say
# which are drawn when not all). The names of the flows and reasons come
# from the arrays: gnuplot reads only numbers from data (plt_gnuplot.h).
set multiplot layout 2,1 title NOTED_TITLE font TITLE_FONT
set title "Caller pools and endpoint workers in use; shaded: time a circuit breaker is open" font PANEL_FONT
set xlabel sprintf("simulated time (%s)", TUNIT)
set ylabel "% in use (% of time open)"
set xrange [0:XMAX]
set yrange [0:105]
set key at screen 0.735, graph 1 left top vertical Left reverse noopaque
set lmargin at screen 0.07
set rmargin at screen 0.72
set style fill transparent solid 0.22 noborder
if (NU + NB > 0) {
    plot for [j=1:NB] DATA skip 1 using ($1/TSCALE):(column(NUCOL+1+BCOL[j])) with filledcurves y=0 lc rgb SHADE_COLOR title sprintf("breaker open: %s", BNAME[j]), \
         for [i=1:NU] DATA skip 1 using ($1/TSCALE):(column(UCOL[i]+1)) with lines lt i title UNAME[i]
} else {
    set label 1 "no caller pool or endpoint was used" at graph 0.5, graph 0.5 center
    plot NaN notitle
    unset label 1
}
set title "Records rejected, by reason (mean per replication)" font PANEL_FONT
set xlabel "flow"
set ylabel "records"
set autoscale x
set yrange [0:*]
set style data histograms
set style histogram rowstacked
set style fill solid 0.85 border rgb "#ffffff"
set boxwidth 0.55
set grid noxtics
if (NR > 0) {
    plot for [k=2:NR+1] $REJD using k:xtic(FNAME[int($0)+1]) title RNAME[k-1] lt (k-1)
} else {
    set yrange [0:1]
    set xrange [-0.5:NF-0.5]
    unset key
    set label 2 "no record was rejected" at graph 0.5, graph 0.5 center
    plot $REJD using 0:(0):xtic(FNAME[int($0)+1]) with points ps 0 notitle
}
unset multiplot
