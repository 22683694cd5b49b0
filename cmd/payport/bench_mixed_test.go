package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// svgElements decodes an SVG document with encoding/xml (failing t if it is not well-formed)
// and returns its polylines' series names and point counts and all of its text.
func svgElements(t *testing.T, doc []byte) (series map[string]int, text string) {
	t.Helper()
	series = map[string]int{}
	var b strings.Builder
	d := xml.NewDecoder(bytes.NewReader(doc))
	root := ""
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v\n%s", err, doc)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = el.Name.Space + " " + el.Name.Local
			}
			if el.Name.Local == "polyline" {
				var name, pts string
				for _, a := range el.Attr {
					switch a.Name.Local {
					case "data-series":
						name = a.Value
					case "points":
						pts = a.Value
					}
				}
				series[name] = len(strings.Fields(pts))
			}
		case xml.CharData:
			b.Write(el)
			b.WriteByte('\n')
		}
	}
	if root != "http://www.w3.org/2000/svg svg" {
		t.Fatalf("root element %q, want svg in the SVG namespace", root)
	}
	return series, b.String()
}

func TestWriteSVG(t *testing.T) {
	var rate, rss []plotPoint
	for i := 1; i <= 60; i++ {
		rate = append(rate, plotPoint{float64(10 * i), 400 + float64(i%7)})
		rss = append(rss, plotPoint{float64(10 * i), 80})
	}
	var buf bytes.Buffer
	err := writeSVG(&buf, `Load <SQLite> & "friends"`, []plotChart{
		{Title: "Rate & p99", XLabel: "time (s)", YLeft: "requests/s", YRight: "p99 (ms)", Series: []plotSeries{
			{Name: "requests/s", Color: "#1f77b4", Points: rate},
			{Name: "p99 <ms>", Color: "#ff7f0e", Right: true, Points: []plotPoint{{10, 3.5}, {20, 0.4}}},
		}},
		{Title: "Memory", XLabel: "time (s)", YLeft: "MiB", Series: []plotSeries{{Name: "RSS (MiB)", Color: "#d62728", Points: rss}}},
		{Title: "Nothing measured", XLabel: "time (s)", YLeft: "MiB"},
	})
	if err != nil {
		t.Fatal(err)
	}
	series, text := svgElements(t, buf.Bytes())
	if series["requests/s"] != 60 || series["p99 <ms>"] != 2 || series["RSS (MiB)"] != 60 || len(series) != 3 {
		t.Errorf("series and their point counts: %v", series)
	}
	for _, want := range []string{`Load <SQLite> & "friends"`, "Rate & p99", "Memory", "time (s)", "requests/s", "p99 (ms)", "MiB", "600", "400"} {
		if !strings.Contains(text, want) {
			t.Errorf("the SVG's text lacks %q:\n%s", want, text)
		}
	}
}

func TestNiceTicks(t *testing.T) {
	for _, c := range []struct {
		max, top float64
		n        int
	}{{0, 1, 2}, {20, 20, 5}, {21, 25, 6}, {600, 600, 4}, {0.37, 0.4, 5}, {1234, 1500, 4}, {60.05, 60, 4}} {
		ticks, top := niceTicks(c.max)
		if top != c.top || len(ticks) != c.n || ticks[0] != 0 || ticks[len(ticks)-1] != top {
			t.Errorf("niceTicks(%g) = %v, %g; want %d ticks up to %g", c.max, ticks, top, c.n, c.top)
		}
	}
}

// mixedRun runs `bench mixed` against s for a couple of seconds and returns its report.
func mixedRun(t *testing.T, e engine, s *server, key string, extra ...string) (MixedReport, result, []byte) {
	t.Helper()
	dir := t.TempDir()
	jsonPath, svgPath := filepath.Join(dir, "load.json"), filepath.Join(dir, "load.svg")
	args := append([]string{"bench", "mixed", "--url", s.base, "--key", key, "--clients", "4", "--recipients", "8",
		"--window", "1s", "--sample", "500ms", "--pid", strconv.Itoa(s.cmd.Process.Pid), "--label", e.name,
		"--json", jsonPath, "--svg", svgPath}, extra...)
	r := e.run(t, args...)
	if r.code != 0 {
		t.Fatalf("%v", r)
	}
	var rep MixedReport
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	svg, err := os.ReadFile(svgPath)
	if err != nil {
		t.Fatal(err)
	}
	return rep, r, svg
}

// TestBenchMixed runs the mixed load for a few seconds on each engine: every request of every
// kind succeeds, the timeline and memory samples are there, the plot draws them, and the
// ledger is sound afterwards.
func TestBenchMixed(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		_, key := e.createOrg(t, "Load")
		s := e.startServer(t, "--log-level", "warn", "--sandbox-settle-after", "1s")
		rep, r, svg := mixedRun(t, e, s, key, "--duration", "3s")
		sum := rep.Summary
		if sum.Errors != 0 || len(sum.ErrorKinds) != 0 {
			t.Errorf("errors %d %v\n%v", sum.Errors, sum.ErrorKinds, r)
		}
		if sum.Requests == 0 || len(rep.Timeline) < 3 {
			t.Fatalf("%d requests, %d windows\n%v", sum.Requests, len(rep.Timeline), r)
		}
		var inWindows, byOp int64
		for _, w := range rep.Timeline {
			inWindows += w.Requests
		}
		for _, o := range sum.ByOp {
			byOp += o.Requests
		}
		if inWindows != sum.Requests || byOp != sum.Requests {
			t.Errorf("windows count %d requests and ops %d, the summary %d", inWindows, byOp, sum.Requests)
		}
		if len(sum.ByOp) < 4 {
			t.Errorf("only %d kinds of request were sent: %v", len(sum.ByOp), sum.ByOp)
		}
		if len(rep.Memory) < 2 || sum.RSSMax <= 0 || rep.Memory[0].Goroutines <= 0 {
			t.Errorf("memory samples %+v, summary RSS max %g", rep.Memory, sum.RSSMax)
		}
		series, _ := svgElements(t, svg)
		if series["requests/s"] != len(rep.Timeline) || series["RSS (MiB)"] != len(rep.Memory) {
			t.Errorf("plotted %v for %d windows and %d memory samples", series, len(rep.Timeline), len(rep.Memory))
		}
		if !strings.Contains(r.stdout, "errors 0") {
			t.Errorf("no summary line:\n%s", r.stdout)
		}
		if c := e.run(t, "ledger", "check"); c.code != 0 {
			t.Errorf("ledger check after the mixed load:\n%v", c)
		}
	})
}

// TestBenchMixedOpenLoop checks that --rate sends requests on a schedule, never more than it
// says, and that --duration is bounded.
func TestBenchMixedOpenLoop(t *testing.T) {
	e := newEngine(t, "sqlite")
	_, key := e.createOrg(t, "Load")
	s := e.startServer(t, "--log-level", "warn")
	rep, r, _ := mixedRun(t, e, s, key, "--duration", "2s", "--rate", "40")
	if rep.Summary.Errors != 0 || rep.Summary.Requests == 0 || rep.Summary.TargetRate != 40 {
		t.Errorf("summary %+v\n%v", rep.Summary, r)
	}
	// 80 scheduled steps, of which a recipient creation is three requests.
	if n, most := rep.Summary.Requests, int64(80+2*rep.Summary.ByOp["recipient_create"].Requests); n > most {
		t.Errorf("%d requests sent at 40/s for 2 s, more than the %d scheduled", n, most)
	}
	r = e.run(t, "bench", "mixed", "--url", s.base, "--key", key, "--duration", "11m")
	if r.code == 0 || !strings.Contains(r.stderr, "10m") {
		t.Errorf("an 11-minute run was not refused:\n%v", r)
	}
}
