package dashboard

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/tenant"
	"github.com/payport/payport/internal/texts"
)

// The overview's charts (issue 9, item 9), drawn here as SVG geometry that templates/charts.html
// turns into elements: no chart library, no script, no style attribute (colours are SVG
// attributes). Every chart has a title, a description and a table of the same figures.

// chartsView is what templates/charts.html draws.
type chartsView struct {
	Series          []barChart
	Outcome         outcomeView
	Owed            []owedRow
	OwedHeight      int
	DeliveryRate    int
	Endpoints       []endpointRow
	EndpointsHeight int
	Failing         []app.EndpointHealth
}

// barChart is a column per day.
type barChart struct {
	ID, Title, Desc, Unit, MaxLabel, First, Last string
	W, H, Left, Top, Base, LabelX                int
	TopText, BaseText, DayText                   int
	Bars                                         []bar
}

// bar is one day's column; Value is the raw figure (count or minor units), Text as shown.
type bar struct {
	X, Y, W, H       float64
	Day, Text, Label string
	Value            int64
}

type outcomeView struct {
	Succeeded, Failed, Open int64
	Rate                    int
	Segments                []segment
}

type segment struct {
	X, W        float64
	Fill, Label string
}

type owedRow struct {
	app.OwedSplit
	TextY, BarY    int
	AvailW, OnWayW float64
}

type endpointRow struct {
	app.EndpointHealth
	Short       string
	TextY, BarY int
	RateW       float64
}

const (
	chartW, chartH = 320, 160
	chartLeft      = 44
)

// dayChart lays out one value per day.
func dayChart(id, title, desc, unit string, days []string, values []int64, text func(int64) string) barChart {
	c := barChart{ID: id, Title: title, Desc: desc, Unit: unit, W: chartW, H: chartH, Left: chartLeft, Top: 10, Base: chartH - 24,
		LabelX: chartLeft - 6}
	c.TopText, c.BaseText, c.DayText = c.Top+4, c.Base+4, chartH-6
	var top int64
	for _, v := range values {
		top = max(top, v)
	}
	c.MaxLabel = text(top)
	if len(days) > 0 {
		c.First, c.Last = days[0], days[len(days)-1]
	}
	slot := float64(chartW-chartLeft) / float64(max(len(days), 1))
	for i, d := range days {
		b := bar{Day: d, Value: values[i], Text: text(values[i]), X: float64(chartLeft) + float64(i)*slot + slot*0.15, W: slot * 0.7}
		if top > 0 {
			b.H = float64(c.Base-c.Top) * float64(values[i]) / float64(top)
		}
		b.Y = float64(c.Base) - b.H
		b.Label = d + ": " + b.Text
		c.Bars = append(c.Bars, b)
	}
	return c
}

// chartsOf turns the use case's figures into the view.
func chartsOf(t *texts.Texts, c app.Charts) chartsView {
	o := t.DashOps
	v := chartsView{DeliveryRate: c.DeliveryRate}
	v.Series = append(v.Series, dayChart("count", o.PayoutCount, fmt.Sprintf(o.PayoutCountDesc, app.ChartDays), t.Dash.Count, c.Days, c.Count,
		func(n int64) string { return strconv.FormatInt(n, 10) }))
	for _, s := range c.Volume {
		amounts := map[int64]string{}
		for i, m := range s.Minor {
			amounts[m] = s.Amounts[i]
		}
		cur := s.Currency
		ch := dayChart("volume-"+cur, o.PayoutVolume+" ("+cur+")", fmt.Sprintf(o.PayoutVolumeDesc, cur, app.ChartDays), t.Dash.Amount+" ("+cur+")",
			c.Days, s.Minor, func(n int64) string {
				if a, ok := amounts[n]; ok {
					return a
				}
				return strconv.FormatInt(n, 10)
			})
		v.Series = append(v.Series, ch)
	}
	v.Outcome = outcomeView{Succeeded: c.Succeeded, Failed: c.Failed, Open: c.Open, Rate: c.Rate}
	if total := c.Succeeded + c.Failed + c.Open; total > 0 {
		x := 0.0
		for _, s := range []struct {
			n           int64
			fill, label string
		}{{c.Succeeded, "#176b2c", o.Succeeded2}, {c.Failed, "#a4161a", o.Failed}, {c.Open, "#9aa0a6", o.Open2}} {
			if s.n == 0 {
				continue
			}
			w := 300 * float64(s.n) / float64(total)
			v.Outcome.Segments = append(v.Outcome.Segments, segment{X: x, W: w, Fill: s.fill, Label: s.label + ": " + strconv.FormatInt(s.n, 10)})
			x += w
		}
	}
	for i, s := range c.Owed {
		r := owedRow{OwedSplit: s, TextY: i*40 + 13, BarY: i*40 + 19}
		if total := s.AvailableMinor + s.OnWayMinor; total > 0 {
			r.AvailW = 300 * float64(max(s.AvailableMinor, 0)) / float64(total)
			r.OnWayW = 300 - r.AvailW
		}
		v.Owed = append(v.Owed, r)
	}
	v.OwedHeight = len(c.Owed)*40 + 4
	for i, e := range c.Endpoints {
		r := endpointRow{EndpointHealth: e, TextY: i*36 + 13, BarY: i*36 + 19, Short: shortURL(e.URL)}
		if e.Rate > 0 {
			r.RateW = 3 * float64(e.Rate)
		}
		v.Endpoints = append(v.Endpoints, r)
		if e.Failing {
			v.Failing = append(v.Failing, e)
		}
	}
	v.EndpointsHeight = len(c.Endpoints)*36 + 4
	return v
}

// shortURL is an endpoint's host and path, for a chart label.
func shortURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return s
	}
	out := u.Host + u.Path
	if len(out) > 40 {
		out = out[:39] + "…"
	}
	return out
}

// addCharts puts the overview's charts into its data (nothing when they cannot be read: the
// key figures still show).
func (h *Handler) addCharts(r *http.Request, q *req, mode tenant.Mode, d map[string]any) {
	c, err := h.app.DashboardCharts(r.Context(), q.actor, mode)
	if err != nil {
		h.log.Error("dashboard charts", "err", err)
		return
	}
	d["Charts"] = chartsOf(texts.For(r), c)
}
