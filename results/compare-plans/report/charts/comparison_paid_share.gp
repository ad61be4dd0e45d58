# compsim report chart 'comparison_paid_share'.  Its data is comparison_paid_share.csv beside this script.
# Redraw: gnuplot comparison_paid_share.gp (in this folder) writes comparison_paid_share.svg and comparison_paid_share.png.
set datafile separator comma
set datafile columnheaders
set grid lc rgb '#dddddd'
set key top left box opaque
set border 3
set tics nomirror
set title 'Share of members paid anything, every plan'
set xlabel 'period'
set ylabel 'share of members paid'
set linetype 1 lc rgb '#1f77b4' lw 2
set linetype 2 lc rgb '#d62728' lw 2
set linetype 3 lc rgb '#2ca02c' lw 2
set linetype 4 lc rgb '#9467bd' lw 2
set linetype 5 lc rgb '#ff7f0e' lw 2
set linetype 6 lc rgb '#8c564b' lw 2
array plan[3]
plan[1] = 'doTERRA-style unilevel'
plan[2] = 'Herbalife-style stairstep breakaway'
plan[3] = 'Monat-style hybrid with matching'
set yrange [0:*]
set key top right
set terminal svg size 900,500 noenhanced font 'sans,13' background rgb 'white'
set output 'comparison_paid_share.svg'
plot for [k=1:3] 'comparison_paid_share.csv' using 2:($1==k ? $4 : NaN):($1==k ? $5 : NaN) with filledcurves lt k fs transparent solid 0.2 notitle, \
     for [k=1:3] 'comparison_paid_share.csv' using 2:($1==k ? $3 : NaN) with lines lt k title plan[k]
set terminal pngcairo size 900,500 noenhanced font 'sans,11' background rgb 'white'
set output 'comparison_paid_share.png'
replot
unset output
