package main

import (
	"math"
	"strconv"
)

// svgChart is a bar chart drawn on the server: shapes and words in the
// viewBox's units, which the template writes out as an inline <svg>
// (no script, no library, nothing fetched). Its title and description
// are its accessible name; the page shows the same numbers in a table.
type svgChart struct {
	ID          string
	Title, Desc string
	W, H        float64
	Lines       []svgLine
	Rects       []svgRect
	Texts       []svgText
}

type svgLine struct {
	X1, Y1, X2, Y2 float64
	Class          string
}

type svgRect struct {
	X, Y, W, H float64
	Class      string
	Tip        string // shown on hover
}

type svgText struct {
	X, Y   float64
	Anchor string // start, middle, end
	Class  string
	Text   string
}

// series is one kind of bar (opened, resolved) with its CSS class and its
// name for the tooltips.
type series struct {
	Class, Name string
}

// chartScale picks a round top for the value axis (1, 2 or 5 times a
// power of ten, at least max) and its gridlines.
func chartScale(most int) (top int, step int) {
	if most <= 0 {
		return 1, 1
	}
	for mag := 1; ; mag *= 10 {
		for _, m := range []int{1, 2, 5} {
			if s := m * mag; s*5 >= most {
				return int(math.Ceil(float64(most)/float64(s))) * s, s
			}
		}
	}
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

// columnChart draws grouped vertical bars, one group per label (a day):
// values[i][k] is series k at label i. Every tickEvery-th label is
// written; the others are marked minor, for narrow screens to hide.
func columnChart(id, title, desc string, labels []string, ss []series, values [][]int, tickEvery int) *svgChart {
	const w, h, left, right, top, bottom = 640.0, 240.0, 44.0, 8.0, 12.0, 30.0
	c := &svgChart{ID: id, Title: title, Desc: desc, W: w, H: h}
	most := 0
	for _, vs := range values {
		for _, v := range vs {
			most = max(most, v)
		}
	}
	topV, step := chartScale(most)
	plotW, plotH := w-left-right, h-top-bottom
	y := func(v int) float64 { return round1(top + plotH - plotH*float64(v)/float64(topV)) }
	for v := 0; v <= topV; v += step {
		c.Lines = append(c.Lines, svgLine{X1: left, Y1: y(v), X2: w - right, Y2: y(v), Class: "grid"})
		c.Texts = append(c.Texts, svgText{X: left - 6, Y: y(v) + 4, Anchor: "end", Class: "axis", Text: strconv.Itoa(v)})
	}
	if len(labels) == 0 {
		return c
	}
	slot := plotW / float64(len(labels))
	barW := slot * 0.8 / float64(len(ss))
	for i, l := range labels {
		x0 := left + slot*float64(i) + slot*0.1
		for k, s := range ss {
			v := values[i][k]
			if v > 0 {
				c.Rects = append(c.Rects, svgRect{X: round1(x0 + barW*float64(k)), Y: y(v), W: round1(math.Max(barW-0.5, 0.5)),
					H: round1(y(0) - y(v)), Class: s.Class, Tip: l + ": " + strconv.Itoa(v) + " " + s.Name})
			}
		}
		if tickEvery < 1 {
			tickEvery = 1
		}
		if i%tickEvery == 0 {
			class := "axis"
			if i%(tickEvery*2) != 0 {
				class += " minor"
			}
			c.Texts = append(c.Texts, svgText{X: round1(left + slot*(float64(i)+0.5)), Y: h - 8, Anchor: "middle", Class: class, Text: l})
		}
	}
	c.Lines = append(c.Lines, svgLine{X1: left, Y1: y(0), X2: w - right, Y2: y(0), Class: "base"})
	return c
}

// rowChart draws grouped horizontal bars, one group per label (a topic),
// the label above its bars and each bar's value at its end.
func rowChart(id, title, desc string, labels []string, ss []series, values [][]int) *svgChart {
	const w, left, right, barH, gap, labelH = 640.0, 4.0, 56.0, 18.0, 3.0, 30.0
	groupH := labelH + float64(len(ss))*(barH+gap) + 10
	c := &svgChart{ID: id, Title: title, Desc: desc, W: w, H: math.Max(groupH*float64(len(labels)), 20)}
	most := 0
	for _, vs := range values {
		for _, v := range vs {
			most = max(most, v)
		}
	}
	plotW := w - left - right
	for i, l := range labels {
		y0 := groupH * float64(i)
		c.Texts = append(c.Texts, svgText{X: left, Y: y0 + 22, Anchor: "start", Class: "label", Text: l})
		for k, s := range ss {
			v := values[i][k]
			y := y0 + labelH + float64(k)*(barH+gap)
			bw := 0.0
			if most > 0 {
				bw = round1(plotW * float64(v) / float64(most))
			}
			if v > 0 {
				c.Rects = append(c.Rects, svgRect{X: left, Y: round1(y), W: math.Max(bw, 1), H: barH, Class: s.Class,
					Tip: l + ": " + strconv.Itoa(v) + " " + s.Name})
			}
			c.Texts = append(c.Texts, svgText{X: round1(left + bw + 6), Y: round1(y + barH - 3), Anchor: "start", Class: "value", Text: strconv.Itoa(v)})
		}
	}
	return c
}
