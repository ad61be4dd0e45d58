# compsim report chart 'cohort_net'.  Its data is cohort_net.csv beside this script.
# Redraw: gnuplot cohort_net.gp (in this folder) writes cohort_net.svg and cohort_net.png.
set datafile separator comma
set datafile columnheaders
set grid lc rgb '#dddddd'
set key top left box opaque
set border 3
set tics nomirror
set title 'Net income over membership by join period'
set xlabel 'period of joining'
set ylabel 'net income (currency units)'
set linetype 1 lc rgb '#1f77b4' lw 2
set linetype 2 lc rgb '#d62728' lw 2
set linetype 3 lc rgb '#2ca02c' lw 2
set linetype 4 lc rgb '#9467bd' lw 2
set linetype 5 lc rgb '#ff7f0e' lw 2
set linetype 6 lc rgb '#8c564b' lw 2
array plan[1]
plan[1] = 'doTERRA-style unilevel'
set xzeroaxis lt -1
set key bottom right
set terminal svg size 900,500 noenhanced font 'sans,13' background rgb 'white'
set output 'cohort_net.svg'
plot 'cohort_net.csv' using 2:($1==1 ? $4 : NaN):($1==1 ? $5 : NaN) with filledcurves fc rgb '#9ecae1' fs transparent solid 0.6 title sprintf('%s: 90%% interval', plan[1]), \
     for [k=1:1] 'cohort_net.csv' using 2:($1==k ? $3 : NaN) with linespoints pt 7 ps 0.5 lt k title plan[k]
set terminal pngcairo size 900,500 noenhanced font 'sans,11' background rgb 'white'
set output 'cohort_net.png'
replot
unset output
