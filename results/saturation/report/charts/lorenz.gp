# compsim report chart 'lorenz'.  Its data is lorenz.csv beside this script.
# Redraw: gnuplot lorenz.gp (in this folder) writes lorenz.svg and lorenz.png.
set datafile separator comma
set datafile columnheaders
set grid lc rgb '#dddddd'
set key top left box opaque
set border 3
set tics nomirror
set title 'Lorenz curves of gross compensation'
set xlabel 'share of members, poorest first'
set ylabel 'share of all commissions'
set linetype 1 lc rgb '#1f77b4' lw 2
set linetype 2 lc rgb '#d62728' lw 2
set linetype 3 lc rgb '#2ca02c' lw 2
set linetype 4 lc rgb '#9467bd' lw 2
set linetype 5 lc rgb '#ff7f0e' lw 2
set linetype 6 lc rgb '#8c564b' lw 2
array plan[1]
plan[1] = 'doTERRA-style unilevel'
set size ratio -1
set xrange [0:1]
set yrange [0:1]
set terminal svg size 900,500 noenhanced font 'sans,13' background rgb 'white'
set output 'lorenz.svg'
plot x with lines dt 2 lc rgb '#888888' title 'equality', \
     for [k=1:1] 'lorenz.csv' using 2:($1==k ? $3 : NaN) with lines lt k title plan[k]
set terminal pngcairo size 900,500 noenhanced font 'sans,11' background rgb 'white'
set output 'lorenz.png'
replot
unset output
