// Package report writes a dataset inspection's HTML report (one self-contained page with the tables, the feature
// map and samples by class) and the thumbnails it embeds. The command line writes it; the page shows the same
// tables and map with its own markup, so it does not carry this package's template or image encoder.
package report

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"image"
	"image/jpeg"
	"io"
	"math"
	"path/filepath"
	"strings"

	"inceptionweb/dataset"
	"inceptionweb/nn/imagenet"
)

// Thumbnail encodes size x size RGBA pixels as a JPEG data URL.
func Thumbnail(rgba []byte, size int) string {
	img := &image.RGBA{Pix: rgba, Stride: 4 * size, Rect: image.Rect(0, 0, size, size)}
	var buf bytes.Buffer
	jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80})
	return "data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
}

// OverlayCAM tints size x size RGBA pixels in place by a class activation map (h x w values, bilinearly
// stretched over the image): red where the class's evidence is, the rest dimmed.
func OverlayCAM(rgba []byte, size, h, w int, cam []float32) {
	lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
	for _, v := range cam {
		lo, hi = min(lo, v), max(hi, v)
	}
	if !(hi > lo) {
		return
	}
	at := func(y, x int) float32 { return (cam[y*w+x] - lo) / (hi - lo) }
	for py := 0; py < size; py++ {
		fy := max(0, min(float64(h-1), (float64(py)+0.5)*float64(h)/float64(size)-0.5))
		y0 := int(fy)
		y1, ty := min(y0+1, h-1), float32(fy-float64(y0))
		for px := 0; px < size; px++ {
			fx := max(0, min(float64(w-1), (float64(px)+0.5)*float64(w)/float64(size)-0.5))
			x0 := int(fx)
			x1, tx := min(x0+1, w-1), float32(fx-float64(x0))
			v := (at(y0, x0)*(1-tx)+at(y0, x1)*tx)*(1-ty) + (at(y1, x0)*(1-tx)+at(y1, x1)*tx)*ty
			p := rgba[(py*size+px)*4:]
			for c := 0; c < 3; c++ {
				heat := float32(0)
				if c == 0 {
					heat = 255 * v
				}
				p[c] = byte(float32(p[c])*(0.35+0.3*(1-v)) + heat*0.65*v)
			}
		}
	}
}

// Report is what index.html shows.
type Report struct {
	dataset.Summary
	Results []dataset.Result
	Thumbs  []string // a data URL per result
	CAMs    []string // the same with the top class's activation map over it, or nil
}

type reportPoint struct {
	X, Y           float64
	Colour         string
	Thumb, Caption string
}

type gridCell struct {
	Thumb, CAM, Caption string
	Correct             bool
}

type gridRow struct {
	Class dataset.ClassSummary
	Cells [][]gridCell // per collection
}

// maxPerCell is how many samples of a class a collection shows in the grid.
const maxPerCell = 4

// WriteHTML writes the report: one self-contained page (thumbnails embedded), readable from file://.
func WriteHTML(w io.Writer, r Report) error {
	colIndex := map[string]int{}
	for i, c := range r.Collections {
		colIndex[c.Name] = i
	}
	caption := func(res dataset.Result) string {
		if len(res.Top5) == 0 {
			return filepath.Base(res.Path)
		}
		g := res.Top5[0]
		truth := "unlabelled"
		if res.Class >= 0 {
			truth = fmt.Sprintf("%s (%d) %s", res.WNID, res.Class, imagenet.ShortLabel(imagenet.Labels[res.Class]))
		}
		return fmt.Sprintf("%s — %s: %s %.0f%% · truth %s", res.Collection, filepath.Base(res.Path), g.Label, 100*g.Prob, truth)
	}
	// The map, scaled into a 640 x 480 box.
	var pts []reportPoint
	minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, p := range r.Map.Points {
		minX, maxX, minY, maxY = min(minX, p.X), max(maxX, p.X), min(minY, p.Y), max(maxY, p.Y)
	}
	sx, sy := 600/max(maxX-minX, 1e-9), 440/max(maxY-minY, 1e-9)
	for i, p := range r.Map.Points {
		pts = append(pts, reportPoint{X: 20 + (p.X-minX)*sx, Y: 20 + (p.Y-minY)*sy,
			Colour: dataset.Colour(colIndex[p.Collection]), Thumb: r.Thumbs[i], Caption: caption(r.Results[i])})
	}
	var rows []gridRow
	for _, c := range r.Classes {
		row := gridRow{Class: c, Cells: make([][]gridCell, len(r.Collections))}
		for i, res := range r.Results {
			k := colIndex[res.Collection]
			if res.Class != c.Index || len(row.Cells[k]) >= maxPerCell {
				continue
			}
			cell := gridCell{Thumb: r.Thumbs[i], Caption: caption(res), Correct: res.Correct(1)}
			if r.CAMs != nil {
				cell.CAM = r.CAMs[i]
			}
			row.Cells[k] = append(row.Cells[k], cell)
		}
		rows = append(rows, row)
	}
	funcs := template.FuncMap{
		"colour": dataset.Colour,
		"pct":    func(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) },
		"url":    func(s string) template.URL { return template.URL(s) },
		"label": func(wnid string) string {
			if k := imagenet.ClassOf(wnid); k >= 0 {
				return imagenet.ShortLabel(imagenet.Labels[k])
			}
			return wnid
		},
		"first": func(c []dataset.Confusion) []dataset.Confusion { return c[:min(3, len(c))] },
		"join":  strings.Join,
	}
	t, err := template.New("report").Funcs(funcs).Parse(reportHTML)
	if err != nil {
		return err
	}
	return t.Execute(w, map[string]any{"R": r, "Points": pts, "Rows": rows})
}

const reportHTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Dataset inspection · {{.R.Model}}</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
table{border-collapse:collapse;margin:8px 0 24px}td,th{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
.sw{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:6px}
.grid td{min-width:200px}.grid img{width:96px;height:96px;margin:2px;border:3px solid #c33;border-radius:4px}
.grid img.ok{border-color:#2a2}#map{border:1px solid #ccc;background:#fafafa}
#tip{position:fixed;display:none;background:#fff;border:1px solid #999;padding:6px;font-size:12px;max-width:260px;pointer-events:none}
#tip img{width:128px;height:128px;display:block}
</style></head><body>
<h1>Dataset inspection</h1>
<p>Model: <b>{{.R.Model}}</b> · map: {{.R.Map.Method}}</p>
<h2>Collections</h2>
<table data-testid="collections"><tr><th>collection</th><th>images</th><th>classes</th><th>unlabelled</th><th>top-1</th><th>top-5</th></tr>
{{range $i, $c := .R.Collections}}<tr data-name="{{$c.Name}}"><td><span class="sw" style="background:{{colour $i}}"></span>{{$c.Name}}</td><td>{{$c.Images}}</td><td>{{$c.Classes}}</td><td>{{$c.Unlabelled}}</td><td>{{pct $c.Top1}}</td><td>{{pct $c.Top5}}</td></tr>
{{end}}</table>
<h2>Feature map</h2>
<svg id="map" data-testid="feature-map" data-points="{{len .Points}}" width="640" height="480" viewBox="0 0 640 480">
{{range .Points}}<circle cx="{{printf "%.1f" .X}}" cy="{{printf "%.1f" .Y}}" r="4" fill="{{.Colour}}" fill-opacity="0.75" data-thumb="{{url .Thumb}}" data-caption="{{.Caption}}"></circle>
{{end}}</svg>
<div id="tip"><img alt=""><span></span></div>
<h2>Classes</h2>
<table data-testid="classes"><tr><th>wnid</th><th>index</th><th>name</th>{{range $i, $c := .R.Collections}}<th><span class="sw" style="background:{{colour $i}}"></span>{{$c.Name}}: images, top-1</th>{{end}}<th>most confused with</th></tr>
{{range .R.Classes}}{{$cl := .}}<tr data-wnid="{{.WNID}}"><td>{{.WNID}}</td><td>{{.Index}}</td><td>{{.Name}}</td>{{range $.R.Collections}}<td>{{index $cl.Count .Name}}{{if index $cl.Count .Name}}, {{pct (index $cl.Top1 .Name)}}{{end}}</td>{{end}}<td>{{range first .ConfusedWith}}{{label .WNID}} ({{.N}}) {{end}}</td></tr>
{{end}}</table>
<h2>Samples by class</h2>
<table class="grid"><tr><th>class</th>{{range $i, $c := .R.Collections}}<th><span class="sw" style="background:{{colour $i}}"></span>{{$c.Name}}</th>{{end}}</tr>
{{range .Rows}}<tr><td>{{.Class.WNID}} ({{.Class.Index}})<br>{{.Class.Name}}</td>{{range .Cells}}<td>{{range .}}<img src="{{url .Thumb}}"{{if .CAM}} data-cam="{{url .CAM}}"{{end}} class="{{if .Correct}}ok{{end}}" title="{{.Caption}}" alt="">{{end}}</td>{{end}}</tr>
{{end}}</table>
<p><label><input type="checkbox" id="cam"> show where each sample's top class's evidence lies (class activation maps)</label></p>
<script>
const tip = document.getElementById("tip");
for (const c of document.querySelectorAll("#map circle")) {
  c.addEventListener("mouseenter", (e) => { tip.querySelector("img").src = c.dataset.thumb; tip.querySelector("span").textContent = c.dataset.caption; tip.style.display = "block"; });
  c.addEventListener("mousemove", (e) => { tip.style.left = (e.clientX + 14) + "px"; tip.style.top = (e.clientY + 14) + "px"; });
  c.addEventListener("mouseleave", () => { tip.style.display = "none"; });
}
const cam = document.getElementById("cam");
cam.disabled = !document.querySelector("img[data-cam]");
cam.addEventListener("change", () => {
  for (const img of document.querySelectorAll(".grid img[data-cam]")) {
    if (!img.dataset.photo) img.dataset.photo = img.src;
    img.src = cam.checked ? img.dataset.cam : img.dataset.photo;
  }
});
</script>
</body></html>
`
