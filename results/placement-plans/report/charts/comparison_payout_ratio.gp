# compsim report chart 'comparison_payout_ratio'.  Its data is comparison_payout_ratio.csv beside this script.
# Redraw: gnuplot comparison_payout_ratio.gp (in this folder) writes comparison_payout_ratio.svg and comparison_payout_ratio.png.
set datafile separator comma
set datafile columnheaders
set grid lc rgb '#dddddd'
set key top left box opaque
set border 3
set tics nomirror
set title 'Payout ratio per period, every plan'
set xlabel 'period'
set ylabel 'commissions / BV'
set linetype 1 lc rgb '#1f77b4' lw 2
set linetype 2 lc rgb '#d62728' lw 2
set linetype 3 lc rgb '#2ca02c' lw 2
set linetype 4 lc rgb '#9467bd' lw 2
set linetype 5 lc rgb '#ff7f0e' lw 2
set linetype 6 lc rgb '#8c564b' lw 2
array plan[3]
plan[1] = 'doTERRA-style unilevel'
plan[2] = 'Hybrid unilevel and binary'
plan[3] = '3 x 7 forced matrix'
set yrange [0:*]
set key top right
set terminal svg size 900,500 noenhanced font 'sans,13' background rgb 'white'
set output 'comparison_payout_ratio.svg'
plot for [k=1:3] 'comparison_payout_ratio.csv' using 2:($1==k ? $4 : NaN):($1==k ? $5 : NaN) with filledcurves lt k fs transparent solid 0.2 notitle, \
     for [k=1:3] 'comparison_payout_ratio.csv' using 2:($1==k ? $3 : NaN) with lines lt k title plan[k]
set terminal pngcairo size 900,500 noenhanced font 'sans,11' background rgb 'white'
set output 'comparison_payout_ratio.png'
replot
unset output
