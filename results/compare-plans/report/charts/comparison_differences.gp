# compsim report chart 'comparison_differences'.  Its data is comparison_differences.csv beside this script.
# Redraw: gnuplot comparison_differences.gp (in this folder) writes comparison_differences.svg and comparison_differences.png.
set datafile separator comma
set datafile columnheaders
set grid lc rgb '#dddddd'
set key top left box opaque
set border 3
set tics nomirror
set title 'Each plan minus doTERRA-style unilevel, replica by replica'
set xlabel ''
set ylabel 'difference (percentage points; Gini x 100)'
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
set xzeroaxis lt -1
set key top right
set offsets 0.5,0.5,0.5,0.5
set bmargin 7
set xtics rotate by -25 scale 0 ('share_net_positive' 0, 'share_net_positive_builders' 1, 'share_gross_zero' 2, 'share_above_wage' 3, 'top10' 4, 'gini' 5)
set terminal svg size 900,500 noenhanced font 'sans,13' background rgb 'white'
set output 'comparison_differences.svg'
plot for [k=2:3] 'comparison_differences.csv' using ($3 + (k-1.5-(3-2)/2.0)*0.2):($1==k ? $4 : NaN):5:6 with yerrorbars lt k pt 7 ps 1.2 title plan[k]
set terminal pngcairo size 900,500 noenhanced font 'sans,11' background rgb 'white'
set output 'comparison_differences.png'
replot
unset output
