# compsim report chart 'membership'.  Its data is membership.csv beside this script.
# Redraw: gnuplot membership.gp (in this folder) writes membership.svg and membership.png.
set datafile separator comma
set datafile columnheaders
set grid lc rgb '#dddddd'
set key top left box opaque
set border 3
set tics nomirror
set title 'Members in the network'
set xlabel 'period'
set ylabel 'members'
set linetype 1 lc rgb '#1f77b4' lw 2
set linetype 2 lc rgb '#d62728' lw 2
set linetype 3 lc rgb '#2ca02c' lw 2
set linetype 4 lc rgb '#9467bd' lw 2
set linetype 5 lc rgb '#ff7f0e' lw 2
set linetype 6 lc rgb '#8c564b' lw 2
set yrange [0:*]
set terminal svg size 900,500 noenhanced font 'sans,13' background rgb 'white'
set output 'membership.svg'
plot 'membership.csv' using 1:3:4 with filledcurves fc rgb '#9ecae1' fs transparent solid 0.6 title '90% interval across replicas', \
     '' using 1:2 with lines lt 1 title 'mean'
set terminal pngcairo size 900,500 noenhanced font 'sans,11' background rgb 'white'
set output 'membership.png'
replot
unset output
