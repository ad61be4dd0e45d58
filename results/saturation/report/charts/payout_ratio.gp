# compsim report chart 'payout_ratio'.  Its data is payout_ratio.csv beside this script.
# Redraw: gnuplot payout_ratio.gp (in this folder) writes payout_ratio.svg and payout_ratio.png.
set datafile separator comma
set datafile columnheaders
set grid lc rgb '#dddddd'
set key top left box opaque
set border 3
set tics nomirror
set title 'Payout ratio per period: doTERRA-style unilevel'
set xlabel 'period'
set ylabel 'commissions / BV'
set linetype 1 lc rgb '#1f77b4' lw 2
set linetype 2 lc rgb '#d62728' lw 2
set linetype 3 lc rgb '#2ca02c' lw 2
set linetype 4 lc rgb '#9467bd' lw 2
set linetype 5 lc rgb '#ff7f0e' lw 2
set linetype 6 lc rgb '#8c564b' lw 2
set yrange [0:*]
set key top right
set terminal svg size 900,500 noenhanced font 'sans,13' background rgb 'white'
set output 'payout_ratio.svg'
plot 'payout_ratio.csv' using 1:3:4 with filledcurves fc rgb '#cccccc' fs transparent solid 0.6 title 'total: 90% interval', \
     '' using 1:2 with lines lc rgb '#000000' lw 2 title 'total (mean)', \
     for [c=5:7] '' using 1:c with lines lt (c-4) title columnheader(c)
set terminal pngcairo size 900,500 noenhanced font 'sans,11' background rgb 'white'
set output 'payout_ratio.png'
replot
unset output
