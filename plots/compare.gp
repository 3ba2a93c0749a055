# compare.gp - chart 6: headline metrics across variants (what-if runs,
# patterns compared, loads of a plan). Horizontal grouped bars: each row is
# a metric (labelled on the left, so labels never overlap), each bar a
# variant with its value written at its end, the whisker its confidence
# interval. Metrics are grouped into one panel per unit; a panel is
# logarithmic when its values span more than 50:1 (plt_compare.h).
#
# Variables: $D (a datablock, one block per panel, blocks separated by two
# blank lines; rows "y,x0,x1,y0,y1,variant,mean,lo,hi,t,ref,textx", t the
# index in VTXT of the text written at the bar's end: the datablock holds
# numbers only), VTXT[], TITLE,
# NP, NV, NM, PUNIT[NP] (axis label), PLOG[NP], XMIN[NP], XMAX[NP],
# PROWS[NP], PY[NP], PH[NP] (each panel's place, fractions of the canvas),
# VAR[NV], MLAB[NM], MPANEL[NM], MROW[NM] (each metric's label, panel and
# row), NR, REFP[NR], REFX[NR], REFW[NR], REFL[NR] (reference lines: panel,
# value, warning colour, label), REFKEY (the key of the per-row ticks),
# PREF[NP] (1: the panel has such ticks), PSI[NP] (1: SI prefixes, 2: with one decimal, on the
# axis, for large counts), NT, PTIC[NP] (1: the panel's x tics are given),
# TICP[NT], TICX[NT], TICL[NT] (those tics: panel, value, label, e.g. a
# logarithmic duration axis labelled "1 ms", "1 s", "10 min").
set multiplot title TITLE font TITLE_FONT
set style fill solid 0.85 border rgb "#ffffff"
set grid xtics noytics
set key outside right top vertical Left reverse noopaque samplen 1.5
set lmargin at screen 0.26
set rmargin at screen 0.78
set ytics scale 0 nomirror
set xtics nomirror
do for [p=1:NP] {
    set origin 0, PY[p]
    set size 1, PH[p]
    set xlabel PUNIT[p]
    if (PLOG[p]) {
        set logscale x
    } else {
        unset logscale x
    }
    set format x (PSI[p] == 2 ? "%.1s%c" : PSI[p] ? "%.0s%c" : "%.10g")
    if (PTIC[p]) {
        set xtics ()
        do for [i=1:NT] {
            if (TICP[i] == p) {
                set xtics add (TICL[i] TICX[i])
            }
        }
    } else {
        set xtics autofreq
    }
    set xrange [XMIN[p]:XMAX[p]]
    set yrange [PROWS[p] - 0.5:-0.5]
    set ytics ()
    do for [m=1:NM] {
        if (MPANEL[m] == p) {
            set ytics add (MLAB[m] MROW[m])
        }
    }
    unset arrow
    unset label
    do for [j=1:NR] {
        if (NR > 0 && REFP[j] == p) {
            set arrow j from REFX[j], graph 0 to REFX[j], graph 1 nohead lw 1.5 dt 2 lc rgb (REFW[j] ? WARN_COLOR : LIMIT_COLOR) front
            if (REFW[j]) {
                set label j REFL[j] at REFX[j], graph 1 offset -0.4, 0.8 right tc rgb WARN_COLOR front
            } else {
                set label j REFL[j] at REFX[j], graph 1 offset 0.4, 0.8 left tc rgb LIMIT_COLOR front
            }
        }
    }
    plot for [k=1:NV] $D index (p-1) using (column(6) == k ? ($2+$3)/2 : NaN):1:2:3:4:5 with boxxyerror lt k title VAR[k], \
         for [k=1:NV] $D index (p-1) using (column(6) == k ? column(7) : NaN):1:8:9 with xerrorbars lc rgb "#333333" pt 0 lw 1 notitle, \
         $D index (p-1) using 12:1:(VTXT[int(column(10))]) with labels left offset 0.6, 0 font ",9" notitle, \
         $D index (p-1) using 11:($1 - 0.45):(0):(0.9) with vectors nohead lw 2.5 lc rgb LIMIT_COLOR title (PREF[p] ? REFKEY : "")
}
unset multiplot
