package benchreport

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

var (
	blue   = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	orange = color.RGBA{R: 255, G: 127, B: 14, A: 255}
	green  = color.RGBA{R: 44, G: 160, B: 44, A: 255}
	red    = color.RGBA{R: 214, G: 39, B: 40, A: 255}
	grey   = color.RGBA{R: 128, G: 128, B: 128, A: 255}
	band   = color.NRGBA{R: 214, G: 39, B: 40, A: 45}
)

type series struct {
	name  string
	xys   plotter.XYs
	color color.Color
	dash  bool
}

// addLines draws each series as a line with points and names it in the legend.
func addLines(p *plot.Plot, ss []series, points bool) error {
	for _, s := range ss {
		if len(s.xys) == 0 {
			continue
		}
		l, err := plotter.NewLine(s.xys)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		l.Color = s.color
		l.Width = vg.Points(1.5)
		if s.dash {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		p.Add(l)
		p.Legend.Add(s.name, l)
		if points {
			sc, err := plotter.NewScatter(s.xys)
			if err != nil {
				return err
			}
			sc.Color = s.color
			sc.Shape = draw.CircleGlyph{}
			sc.Radius = vg.Points(2.5)
			p.Add(sc)
		}
	}
	return nil
}

func addPoints(p *plot.Plot, xys plotter.XYs, c color.Color) error {
	sc, err := plotter.NewScatter(xys)
	if err != nil {
		return err
	}
	sc.Color = c
	sc.Shape = draw.CircleGlyph{}
	sc.Radius = vg.Points(2.5)
	p.Add(sc)
	return nil
}

// positive drops the points a log axis cannot show.
func positive(xys plotter.XYs) plotter.XYs {
	var out plotter.XYs
	for _, xy := range xys {
		if xy.Y > 0 && !math.IsNaN(xy.Y) && !math.IsInf(xy.Y, 0) {
			out = append(out, xy)
		}
	}
	return out
}

func logY(p *plot.Plot) {
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
}

// PlotThroughput draws achieved against offered rate (with the offered
// rate itself as the diagonal) into a PNG at path.
func PlotThroughput(steps []LadderStep, title, path string) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "offered load (requests/s)"
	p.Y.Label.Text = "requests/s"
	var sent, ok plotter.XYs
	top := 0.0
	for _, s := range steps {
		top = max(top, s.Offered)
		sent = append(sent, plotter.XY{X: s.Offered, Y: s.Sent})
		ok = append(ok, plotter.XY{X: s.Offered, Y: s.Answered})
	}
	if err := addLines(p, []series{
		{"offered (all answered)", plotter.XYs{{X: 0, Y: 0}, {X: top, Y: top}}, grey, true},
		{"sent", sent, blue, false},
		{"answered 2xx", ok, green, false},
	}, false); err != nil {
		return err
	}
	if err := addPoints(p, sent, blue); err != nil {
		return err
	}
	if err := addPoints(p, ok, green); err != nil {
		return err
	}
	p.Y.Min, p.X.Min = 0, 0
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs, p.Legend.YOffs = 4*vg.Millimeter, -2*vg.Millimeter
	p.Add(plotter.NewGrid())
	return p.Save(16*vg.Centimeter, 10*vg.Centimeter, path)
}

// PlotLatencyVsLoad draws p50, p90 and p99 against offered rate (log ms).
func PlotLatencyVsLoad(steps []LadderStep, title, path string) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "offered load (requests/s)"
	p.Y.Label.Text = "latency (ms, log)"
	var p50, p90, p99 plotter.XYs
	for _, s := range steps {
		p50 = append(p50, plotter.XY{X: s.Offered, Y: s.P50Ms})
		p90 = append(p90, plotter.XY{X: s.Offered, Y: s.P90Ms})
		p99 = append(p99, plotter.XY{X: s.Offered, Y: s.P99Ms})
	}
	if err := addLines(p, []series{
		{"p50", positive(p50), blue, false},
		{"p90", positive(p90), orange, false},
		{"p99", positive(p99), red, false},
	}, true); err != nil {
		return err
	}
	logY(p)
	p.X.Min = 0
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs, p.Legend.YOffs = 4*vg.Millimeter, -2*vg.Millimeter
	p.Add(plotter.NewGrid())
	return p.Save(16*vg.Centimeter, 10*vg.Centimeter, path)
}

// PlotChaos draws the chaos run's per-second latency percentiles (log ms)
// above its errors per second, each fault's down time shaded and named.
func PlotChaos(run *ChaosRun, path string) error {
	if len(run.Seconds) == 0 {
		return fmt.Errorf("chaos run %s has no seconds", run.Path)
	}
	lat := plot.New()
	lat.Title.Text = fmt.Sprintf("Latency across chaos faults (%.0f req/s offered)", run.Rate)
	lat.Y.Label.Text = "latency (ms, log)"
	var p50, p90, p99, errs, reqs plotter.XYs
	lo, hi := math.Inf(1), 0.0
	for _, s := range run.Seconds {
		x := float64(s.T) + 0.5
		p50 = append(p50, plotter.XY{X: x, Y: s.P50Ms})
		p90 = append(p90, plotter.XY{X: x, Y: s.P90Ms})
		p99 = append(p99, plotter.XY{X: x, Y: s.P99Ms})
		errs = append(errs, plotter.XY{X: x, Y: float64(s.Errors)})
		reqs = append(reqs, plotter.XY{X: x, Y: float64(s.Requests)})
		for _, v := range []float64{s.P50Ms, s.P99Ms} {
			if v > 0 {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	if math.IsInf(lo, 1) {
		lo, hi = 0.1, 1
	}
	lo, hi = lo/1.5, hi*3
	end := float64(run.Seconds[len(run.Seconds)-1].T + 1)

	errPlot := plot.New()
	errPlot.X.Label.Text = "seconds since the load started"
	errPlot.Y.Label.Text = "per second"
	maxCount := 1.0
	for _, e := range errs {
		maxCount = max(maxCount, e.Y)
	}
	for _, r := range reqs {
		maxCount = max(maxCount, r.Y)
	}

	// Fault bands, under the lines.
	var labels plotter.XYLabels
	for _, ft := range run.Faults {
		if ft.Skipped != "" || ft.KilledAt.IsZero() {
			continue
		}
		from, to := run.Span(ft)
		to = max(to, from+0.5)
		for _, pp := range []struct {
			p      *plot.Plot
			y0, y1 float64
		}{{lat, lo, hi}, {errPlot, 0, maxCount * 1.15}} {
			poly, err := plotter.NewPolygon(plotter.XYs{{X: from, Y: pp.y0}, {X: to, Y: pp.y0}, {X: to, Y: pp.y1}, {X: from, Y: pp.y1}})
			if err != nil {
				return err
			}
			poly.Color = band
			poly.LineStyle.Width = 0
			pp.p.Add(poly)
		}
		labels.XYs = append(labels.XYs, plotter.XY{X: from, Y: hi / 1.6})
		labels.Labels = append(labels.Labels, ft.Name)
	}
	if err := addLines(lat, []series{
		{"p50", positive(p50), blue, false},
		{"p90", positive(p90), orange, false},
		{"p99", positive(p99), red, false},
	}, false); err != nil {
		return err
	}
	if len(labels.XYs) > 0 {
		l, err := plotter.NewLabels(labels)
		if err != nil {
			return err
		}
		lat.Add(l)
	}
	logY(lat)
	lat.Y.Min, lat.Y.Max = lo, hi
	lat.X.Min, lat.X.Max = 0, end
	lat.Legend.Top = true
	lat.Add(plotter.NewGrid())

	if err := addLines(errPlot, []series{
		{"requests", reqs, grey, false},
		{"errors (no answer or 5xx)", errs, red, false},
	}, false); err != nil {
		return err
	}
	errPlot.Y.Min, errPlot.Y.Max = 0, maxCount*1.15
	errPlot.X.Min, errPlot.X.Max = 0, end
	errPlot.Legend.Top = true
	errPlot.Add(plotter.NewGrid())

	const w, h = 24 * vg.Centimeter, 16 * vg.Centimeter
	img := vgimg.New(w, h)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadX: vg.Millimeter, PadY: 2 * vg.Millimeter, PadTop: vg.Millimeter, PadBottom: vg.Millimeter, PadLeft: vg.Millimeter, PadRight: 2 * vg.Millimeter}
	cs := plot.Align([][]*plot.Plot{{lat}, {errPlot}}, tiles, dc)
	lat.Draw(cs[0][0])
	errPlot.Draw(cs[1][0])
	return savePNG(img, path)
}
