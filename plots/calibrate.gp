# calibrate.gp - the chart of one calibrated group: (top) the mean count in
# each hour of the week, observed and fitted; (bottom) the count of each day
# with the fitted model and the trend, the days left out of the fit marked.
#
# Variables: DATAW (CSV: hour_of_week, observed, fitted), DATAD (CSV: day,
# date, count, fitted, trend, kind: 0 used, 1 gap, 2 spike, 3 low), TITLE,
# SUBTITLE, HASWEEK (1: draw the top panel), NDAYS, TICKEVERY (days between
# date labels), NGAP, NSPIKE, NLOW (days of each kind left out).
set multiplot layout (HASWEEK ? 2 : 1),1 title TITLE font TITLE_FONT
set key top right opaque box lc rgb "#cccccc"
set yrange [0:*]
set offsets 0, 0, graph 0.25, 0 # room above the data for the key
if (HASWEEK) {
    set title "Mean records per hour of the week, Monday 00:00 first: the log against the fitted profile" font PANEL_FONT
    set xrange [0:168]
    set xtics ("Mon" 12, "Tue" 36, "Wed" 60, "Thu" 84, "Fri" 108, "Sat" 132, "Sun" 156) scale 0
    set grid noxtics ytics
    do for [d=1:6] {
        set arrow d from 24*d, graph 0 to 24*d, graph 1 nohead lc rgb "#bbbbbb" dt 3
    }
    set ylabel "records per hour"
    plot DATAW skip 1 using ($1+0.5):2 with histeps lt 7 lw 1.5 title "observed (mean of each hour over the log)", \
         DATAW skip 1 using ($1+0.5):3 with lines lt 1 lw 2 title "fitted: volume x weekly x diurnal x growth"
    unset arrow
}
set title SUBTITLE font PANEL_FONT
set xrange [-0.5:NDAYS-0.5]
set xtics scale 0.6 rotate by 0
set grid xtics ytics
set ylabel "records per day"
plot DATAD skip 1 using 1:($6==0 ? $3 : NaN):xtic(int($1) % TICKEVERY == 0 ? strcol(2) : "") with points pt 7 ps 0.8 lt 1 title "records that day", \
     DATAD skip 1 using 1:4 with lines lt 2 lw 1.5 title "fitted: weekly shape x growth", \
     DATAD skip 1 using 1:5 with lines lt 1 dt 2 lw 2 title "trend: volume x growth", \
     DATAD skip 1 using 1:($6==2 ? $3 : NaN) with points pt 9 ps 1.4 lc rgb LIMIT_COLOR title (NSPIKE > 0 ? "spike (left out)" : ""), \
     DATAD skip 1 using 1:($6==3 ? $3 : NaN) with points pt 11 ps 1.4 lc rgb WARN_COLOR title (NLOW > 0 ? "low day (left out)" : ""), \
     DATAD skip 1 using 1:($6==1 ? 0 : NaN) with points pt 2 ps 1.4 lc rgb "#555555" title (NGAP > 0 ? "gap: no record (left out)" : "")
unset multiplot
