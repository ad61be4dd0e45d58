# compsim report chart 'survival'.  Its data is survival.csv beside this script.
# Redraw: gnuplot survival.gp (in this folder) writes survival.svg and survival.png.
set datafile separator comma
set datafile columnheaders
set grid lc rgb '#dddddd'
set key top left box opaque
set border 3
set tics nomirror
set title 'Survival by year of joining'
set xlabel 'periods since joining'
set ylabel 'share still in the network'
set linetype 1 lc rgb '#1f77b4' lw 2
set linetype 2 lc rgb '#d62728' lw 2
set linetype 3 lc rgb '#2ca02c' lw 2
set linetype 4 lc rgb '#9467bd' lw 2
set linetype 5 lc rgb '#ff7f0e' lw 2
set linetype 6 lc rgb '#8c564b' lw 2
set yrange [0:1.02]
set key top right
set terminal svg size 900,500 noenhanced font 'sans,13' background rgb 'white'
set output 'survival.svg'
plot for [y=1:3] 'survival.csv' using 2:($1==y ? $3 : NaN) with lines lt y title sprintf('joined in year %d', y)
set terminal pngcairo size 900,500 noenhanced font 'sans,11' background rgb 'white'
set output 'survival.png'
replot
unset output
