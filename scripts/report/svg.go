package main

import (
	"bytes"
	"fmt"
	"html"
	"lean-go-images/scripts/internal/results"
	"math"
)

// The chart: one pair of horizontal bars per step, image size and
// compressed size, on a log scale. Its background is transparent and its
// colours are mid-tones, and the text is a mid grey, so that it reads on
// GitHub's light and dark themes alike.
const (
	svgWidth    = 760
	svgLabelW   = 150 // step names, right-aligned left of the bars
	svgValueW   = 80  // room for the figure right of the longest bar
	svgTop      = 58  // title, legend and the axis labels
	svgRowH     = 40
	svgBottom   = 16
	colourSize  = "#4f8fd6"
	colourGzip  = "#e8963a"
	colourText  = "#808890"
	svgFont     = `font-family="-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif"`
	chartTitle  = "Image size of each step (log scale)"
	legendSize  = "image size"
	legendGzip  = "compressed (pull)"
	minChartMax = 10 // bytes: the scale spans at least one decade
)

// renderSVG draws the steps' sizes.
func renderSVG(vs []results.Step) []byte {
	x0, x1 := float64(svgLabelW+10), float64(svgWidth-svgValueW)
	lo, hi := logBounds(vs)
	x := func(v int64) float64 {
		if v < 1 {
			v = 1
		}
		f := (math.Log10(float64(v)) - math.Log10(lo)) / (math.Log10(hi) - math.Log10(lo))
		return x0 + max(0, f)*(x1-x0)
	}
	height := svgTop + svgRowH*len(vs) + svgBottom
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s" %s font-size="13">`+"\n",
		svgWidth, height, svgWidth, height, chartTitle, svgFont)
	fmt.Fprintf(&b, "<title>%s</title>\n", chartTitle)
	fmt.Fprintf(&b, `<text x="%d" y="18" fill="%s" font-weight="600">%s</text>`+"\n", 8, colourText, chartTitle)
	legend(&b, x0, 18)

	// One grid line per decade, labelled above the bars.
	bottom := float64(svgTop + svgRowH*len(vs))
	for d := lo; d <= hi*1.001; d *= 10 {
		gx := x(int64(d))
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="%s" stroke-opacity="0.35"/>`+"\n", gx, svgTop-12, gx, bottom, colourText)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" fill="%s" font-size="11" text-anchor="middle">%s</text>`+"\n", gx, svgTop-16, colourText, tickLabel(d))
	}
	for i, v := range vs {
		y := float64(svgTop + svgRowH*i)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" fill="%s" text-anchor="end">%s</text>`+"\n", svgLabelW, y+17, colourText, html.EscapeString(v.Name))
		bar(&b, x0, x(v.SizeBytes), y+4, 14, colourSize, results.Bytes(v.SizeBytes), 13)
		bar(&b, x0, x(v.CompressedBytes), y+21, 10, colourGzip, results.Bytes(v.CompressedBytes), 11)
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// bar draws one bar from x0 to x1 at y, with its figure right of it.
func bar(b *bytes.Buffer, x0, x1, y, h float64, colour, label string, fontSize int) {
	w := max(x1-x0, 1)
	fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.0f" rx="2" fill="%s"><title>%s</title></rect>`+"\n", x0, y, w, h, colour, label)
	// A baseline a third of the font below the bar's middle centres the text
	// in every renderer, unlike dominant-baseline.
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" fill="%s" font-size="%d">%s</text>`+"\n", x0+w+6, y+h/2+float64(fontSize)/3, colourText, fontSize, label)
}

// legend draws the two colours' meanings, starting at x.
func legend(b *bytes.Buffer, x, y float64) {
	for _, l := range []struct{ colour, text string }{{colourSize, legendSize}, {colourGzip, legendGzip}} {
		fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="12" height="12" rx="2" fill="%s"/>`+"\n", x+180, y-10, l.colour)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" fill="%s" font-size="12">%s</text>`+"\n", x+196, y, colourText, l.text)
		x += 150
	}
}

// tickLabel names a power of ten of bytes: "1 MB", "10 MB", "100 MB", "1 GB".
func tickLabel(d float64) string {
	e := int(math.Round(math.Log10(d)))
	units := []string{"B", "kB", "MB", "GB", "TB"}
	u := min(e/3, len(units)-1)
	return fmt.Sprintf("%.0f %s", math.Pow(10, float64(e-3*u)), units[u])
}

// logBounds returns the decades that enclose every size and compressed size.
func logBounds(vs []results.Step) (lo, hi float64) {
	lo, hi = math.Inf(1), minChartMax
	for _, v := range vs {
		for _, n := range []int64{v.SizeBytes, v.CompressedBytes} {
			if n > 0 {
				lo, hi = min(lo, float64(n)), max(hi, float64(n))
			}
		}
	}
	if math.IsInf(lo, 1) {
		lo = 1
	}
	lo = math.Pow(10, math.Floor(math.Log10(lo)))
	hi = math.Pow(10, math.Ceil(math.Log10(hi)))
	if hi <= lo {
		hi = lo * 10
	}
	return lo, hi
}
