package main

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"math"
	"strings"
)

// A hand-written SVG line chart: the load report needs one image beside its table, and a
// plotting library would be the binary's only dependency for it.

// plotPoint is one (x, y) value of a series.
type plotPoint struct{ X, Y float64 }

// plotSeries is a named line in a chart, drawn against the chart's left axis or, when Right is
// set, its right one.
type plotSeries struct {
	Name   string
	Color  string
	Right  bool
	Points []plotPoint
}

// plotChart is one panel: a title, axis labels and its series.
type plotChart struct {
	Title  string
	XLabel string
	YLeft  string
	YRight string // empty: no right axis
	Series []plotSeries
}

// Geometry of a panel, in SVG user units.
const (
	plotWidth   = 900
	plotPanelH  = 300
	plotMarginL = 70
	plotMarginR = 70
	plotMarginT = 50
	plotMarginB = 50
	plotHeading = 40
)

// writeSVG draws the charts stacked one under the other, under a title, as a standalone SVG
// document.
func writeSVG(w io.Writer, title string, charts []plotChart) error {
	bw := bufio.NewWriter(w)
	height := plotHeading + len(charts)*plotPanelH
	fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8"?>`+"\n")
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		plotWidth, height, plotWidth, height)
	fmt.Fprintf(bw, `<rect x="0" y="0" width="%d" height="%d" fill="white"/>`+"\n", plotWidth, height)
	fmt.Fprintf(bw, `<text x="%d" y="26" text-anchor="middle" font-size="16" font-weight="bold">%s</text>`+"\n", plotWidth/2, esc(title))
	for i, c := range charts {
		drawChart(bw, c, float64(plotHeading+i*plotPanelH))
	}
	fmt.Fprintln(bw, `</svg>`)
	return bw.Flush()
}

// drawChart draws one panel whose top edge is at top.
func drawChart(w io.Writer, c plotChart, top float64) {
	x0, x1 := float64(plotMarginL), float64(plotWidth-plotMarginR)
	y0, y1 := top+plotPanelH-plotMarginB, top+plotMarginT // y0 is the bottom (value 0)
	var xMax, leftMax, rightMax float64
	for _, s := range c.Series {
		for _, p := range s.Points {
			xMax = math.Max(xMax, p.X)
			if s.Right {
				rightMax = math.Max(rightMax, p.Y)
			} else {
				leftMax = math.Max(leftMax, p.Y)
			}
		}
	}
	xTicks, xTop := niceTicks(xMax)
	lTicks, lTop := niceTicks(leftMax)
	rTicks, rTop := niceTicks(rightMax)
	px := func(x float64) float64 { return x0 + (x1-x0)*x/xTop }
	py := func(y, top float64) float64 { return y0 - (y0-y1)*y/top }

	fmt.Fprintf(w, `<g class="chart">`+"\n")
	fmt.Fprintf(w, `<text x="%g" y="%g" font-size="14" font-weight="bold">%s</text>`+"\n", x0, top+20, esc(c.Title))
	// Grid lines and left-axis labels.
	for _, t := range lTicks {
		y := py(t, lTop)
		fmt.Fprintf(w, `<line x1="%g" y1="%.1f" x2="%g" y2="%.1f" stroke="#e0e0e0"/>`+"\n", x0, y, x1, y)
		fmt.Fprintf(w, `<text x="%g" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n", x0-6, y, fmtTick(t))
	}
	if c.YRight != "" {
		for _, t := range rTicks {
			fmt.Fprintf(w, `<text x="%g" y="%.1f" dominant-baseline="middle">%s</text>`+"\n", x1+6, py(t, rTop), fmtTick(t))
		}
	}
	for _, t := range xTicks {
		x := px(t)
		fmt.Fprintf(w, `<line x1="%.1f" y1="%g" x2="%.1f" y2="%g" stroke="#000"/>`+"\n", x, y0, x, y0+4)
		fmt.Fprintf(w, `<text x="%.1f" y="%g" text-anchor="middle">%s</text>`+"\n", x, y0+18, fmtTick(t))
	}
	// Axes.
	fmt.Fprintf(w, `<path d="M%g %g V%g H%g" fill="none" stroke="#000"/>`+"\n", x0, y1, y0, x1)
	if c.YRight != "" {
		fmt.Fprintf(w, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="#000"/>`+"\n", x1, y1, x1, y0)
	}
	fmt.Fprintf(w, `<text x="%g" y="%g" text-anchor="middle">%s</text>`+"\n", (x0+x1)/2, y0+38, esc(c.XLabel))
	fmt.Fprintf(w, `<text transform="translate(%g %g) rotate(-90)" text-anchor="middle">%s</text>`+"\n", x0-52, (y0+y1)/2, esc(c.YLeft))
	if c.YRight != "" {
		fmt.Fprintf(w, `<text transform="translate(%g %g) rotate(90)" text-anchor="middle">%s</text>`+"\n", x1+52, (y0+y1)/2, esc(c.YRight))
	}
	// Series and their legend, top right.
	for i, s := range c.Series {
		top := lTop
		if s.Right {
			top = rTop
		}
		var pts strings.Builder
		for j, p := range s.Points {
			if j > 0 {
				pts.WriteByte(' ')
			}
			fmt.Fprintf(&pts, "%.1f,%.1f", px(p.X), py(p.Y, top))
		}
		fmt.Fprintf(w, `<polyline data-series="%s" fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", esc(s.Name), esc(s.Color), pts.String())
		lx, ly := x1-220, y1-30+float64(i)*14
		fmt.Fprintf(w, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="%s" stroke-width="2"/>`+"\n", lx, ly, lx+20, ly, esc(s.Color))
		fmt.Fprintf(w, `<text x="%g" y="%g" dominant-baseline="middle">%s</text>`+"\n", lx+26, ly, esc(s.Name))
	}
	fmt.Fprintln(w, `</g>`)
}

// niceTicks returns 0 and round steps (1, 2 or 5 times a power of ten) up to max (or within
// half a percent under it), and the last of them, which becomes the axis' top.
func niceTicks(max float64) ([]float64, float64) {
	if max <= 0 || math.IsNaN(max) || math.IsInf(max, 0) {
		return []float64{0, 1}, 1
	}
	raw := max / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var ticks []float64
	for k := 0; ; k++ {
		t := float64(k) * step // multiplied, not summed: 4 x 0.1 is 0.4, 0.1+0.1+0.1+0.1 is not
		ticks = append(ticks, t)
		if t >= max*0.995 { // a run of 60.05 s ends at 60, not 80: the overshoot does not show
			return ticks, t
		}
	}
}

// fmtTick prints a tick value without useless decimals.
func fmtTick(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".")
}

// esc escapes text for an attribute or element content.
func esc(s string) string { return html.EscapeString(s) }
