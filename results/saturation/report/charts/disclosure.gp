# compsim report chart 'disclosure'.  Its data is disclosure.csv beside this script.
# Redraw: gnuplot disclosure.gp (in this folder) writes disclosure.svg and disclosure.png.
set datafile separator comma
set datafile columnheaders
set grid lc rgb '#dddddd'
set key top left box opaque
set border 3
set tics nomirror
set title 'Mean gross and net income by highest rank: doTERRA-style unilevel'
set xlabel 'highest rank reached'
set ylabel 'mean over membership (currency units)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set xtics rotate by -30
set key top left
set xzeroaxis lt -1
set terminal svg size 900,500 noenhanced font 'sans,13' background rgb 'white'
set output 'disclosure.svg'
plot 'disclosure.csv' using 3:xtic(1) lc rgb '#1f77b4' title 'gross compensation', \
     '' using 4 lc rgb '#d62728' title 'net income'
set terminal pngcairo size 900,500 noenhanced font 'sans,11' background rgb 'white'
set output 'disclosure.png'
replot
unset output
