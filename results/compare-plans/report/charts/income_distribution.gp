# compsim report chart 'income_distribution'.  Its data is income_distribution.csv beside this script.
# Redraw: gnuplot income_distribution.gp (in this folder) writes income_distribution.svg and income_distribution.png.
set datafile separator comma
set datafile columnheaders
set grid lc rgb '#dddddd'
set key top left box opaque
set border 3
set tics nomirror
set title 'Distribution of gross compensation over membership'
set xlabel 'gross compensation (currency units, log scale)'
set ylabel 'members per replica'
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
set logscale x
set key top right
set style fill transparent solid 0.35
array zero[|plan|]
stats 'income_distribution.csv' using 1:5 nooutput
set terminal svg size 900,500 noenhanced font 'sans,13' background rgb 'white'
set output 'income_distribution.svg'
do for [k=1:3] { stats 'income_distribution.csv' using ($1==k ? $5 : NaN) nooutput; zero[k] = STATS_max }
plot for [k=1:3] 'income_distribution.csv' using (sqrt($2*$3)):($1==k ? $4 : NaN):(($1==k ? $3-$2 : NaN)) with boxes lt k title sprintf('%s (%.0f%% paid nothing)', plan[k], 100*zero[k])
set terminal pngcairo size 900,500 noenhanced font 'sans,11' background rgb 'white'
set output 'income_distribution.png'
replot
unset output
