# sweep.gp - a sweep: each metric against the varied parameter, one panel
# per metric, one line per combination of the other varied parameters, the
# error bars the 95% confidence intervals of the points.
#
# Variables: $D (a datablock: one block per metric, blocks separated by two
# blank lines; rows "p,x,mean_1,hw_1,...,mean_NS,hw_NS", p the point's
# index in XLAB), XLAB[] (the value texts), TITLE, XLABEL,
# NM, MET[NM], MUNIT[NM] (the y axis label: the unit the values are in,
# already converted to a readable one), REF[NM], REFL[NM] (a reference
# line per panel, e.g. its SLO or its limit; NaN = not drawn: none, or far
# above the values, which the label then says), MSI[NM] (1: SI
# prefixes on the y axis, for large counts; 2: the same with one decimal), NONNEG[NM] (1: no
# point or error bar below 0, so the y axis starts at 0), NS, SER[NS],
# CATEGORICAL (1: x is the value's index and the labels are the tick
# marks), ROWS, COLS, XMIN, XMAX.
set multiplot layout ROWS,COLS title TITLE font TITLE_FONT
set xlabel XLABEL
set xrange [XMIN:XMAX]
set offsets 0, 0, graph 0.08, 0
set bars 2.0
do for [m=1:NM] {
    if (NS > 1 || strlen(REFL[m]) > 0) {
        set key below horizontal noopaque nobox
    } else {
        unset key
    }
    set title MET[m] font PANEL_FONT
    set ylabel MUNIT[m]
    set format y (MSI[m] == 2 ? "%.1s%c" : MSI[m] ? "%.0s%c" : "%.10g")
    if (NONNEG[m]) {
        set yrange [0:*]
    } else {
        set yrange [*:*]
    }
    if (CATEGORICAL) {
        plot for [s=1:NS] $D index (m-1) using 2:(column(2*s+1)):(column(2*s+2)):xtic(XLAB[int(column(1))]) with yerrorlines lt s title SER[s], \
             (REF[m] == REF[m] ? REF[m] : NaN) with lines lc rgb LIMIT_COLOR lw 2 dt 2 title REFL[m]
    } else {
        plot for [s=1:NS] $D index (m-1) using 2:(column(2*s+1)):(column(2*s+2)) with yerrorlines lt s title SER[s], \
             (REF[m] == REF[m] ? REF[m] : NaN) with lines lc rgb LIMIT_COLOR lw 2 dt 2 title REFL[m]
    }
}
unset multiplot
