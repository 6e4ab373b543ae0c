package dataset

import (
	"encoding/csv"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"inceptionweb/nn/imagenet"
)

// Guess is one of a model's answers for an image.
type Guess struct {
	WNID  string  `json:"wnid"`
	Class int     `json:"class"`
	Label string  `json:"label"`
	Prob  float32 `json:"prob"`
}

// Result is one classified image of a collection.
type Result struct {
	Collection string
	Image
	Top5 []Guess // best first
}

// Correct reports whether the true class is among the first k guesses (false when unlabelled).
func (r Result) Correct(k int) bool {
	if r.Class < 0 {
		return false
	}
	for _, g := range r.Top5[:min(k, len(r.Top5))] {
		if g.Class == r.Class {
			return true
		}
	}
	return false
}

// Summary is summary.json: what an inspection found, by collection and by class, and its feature map.
type Summary struct {
	Model       string              `json:"model"`
	Collections []CollectionSummary `json:"collections"`
	Classes     []ClassSummary      `json:"classes"`
	Map         Map                 `json:"map"`
}

// CollectionSummary counts one collection; Top1 and Top5 are fractions of its labelled images.
type CollectionSummary struct {
	Name       string  `json:"name"`
	Images     int     `json:"images"`
	Classes    int     `json:"classes"`
	Unlabelled int     `json:"unlabelled"`
	Top1       float64 `json:"top1"`
	Top5       float64 `json:"top5"`
}

// ClassSummary is one true class present in any collection.
type ClassSummary struct {
	WNID         string             `json:"wnid"`
	Index        int                `json:"index"`
	Name         string             `json:"name"`
	Count        map[string]int     `json:"count"`
	Top1         map[string]float64 `json:"top1"`
	ConfusedWith []Confusion        `json:"confused_with"`
}

// Confusion is a wrong top-1 class and how often it was given.
type Confusion struct {
	WNID string `json:"wnid"`
	N    int    `json:"n"`
}

// Map is the 2-D map of the features, one point per result in order.
type Map struct {
	Method string  `json:"method"` // "tsne" or "pca"
	Points []Point `json:"points"`
}

// Point is one image on the map.
type Point struct {
	Collection string  `json:"collection"`
	File       string  `json:"file"`
	WNID       string  `json:"wnid"`
	X          float64 `json:"x"`
	Y          float64 `json:"y"`
}

// Summarize counts results; collections are in the order given, classes by index.
func Summarize(model string, collections []string, results []Result, m Map) Summary {
	s := Summary{Model: model, Map: m, Collections: []CollectionSummary{}, Classes: []ClassSummary{}}
	byClass := map[int]*ClassSummary{}
	confused := map[int]map[string]int{}
	for _, name := range collections {
		cs := CollectionSummary{Name: name}
		classes := map[int]bool{}
		var top1, top5 int
		for _, r := range results {
			if r.Collection != name {
				continue
			}
			cs.Images++
			if r.Class < 0 {
				cs.Unlabelled++
				continue
			}
			classes[r.Class] = true
			c := byClass[r.Class]
			if c == nil {
				c = &ClassSummary{WNID: r.WNID, Index: r.Class, Name: imagenet.ShortLabel(imagenet.Labels[r.Class]),
					Count: map[string]int{}, Top1: map[string]float64{}, ConfusedWith: []Confusion{}}
				byClass[r.Class], confused[r.Class] = c, map[string]int{}
			}
			c.Count[name]++
			if r.Correct(1) {
				top1++
				c.Top1[name]++
			} else if len(r.Top5) > 0 {
				confused[r.Class][r.Top5[0].WNID]++
			}
			if r.Correct(5) {
				top5++
			}
		}
		cs.Classes = len(classes)
		if n := cs.Images - cs.Unlabelled; n > 0 {
			cs.Top1, cs.Top5 = float64(top1)/float64(n), float64(top5)/float64(n)
		}
		s.Collections = append(s.Collections, cs)
	}
	for _, k := range slices.Sorted(maps.Keys(byClass)) {
		c := byClass[k]
		for name, n := range c.Count {
			c.Top1[name] /= float64(n)
		}
		for wnid, n := range confused[k] {
			c.ConfusedWith = append(c.ConfusedWith, Confusion{wnid, n})
		}
		slices.SortFunc(c.ConfusedWith, func(a, b Confusion) int {
			if a.N != b.N {
				return b.N - a.N
			}
			return strings.Compare(a.WNID, b.WNID)
		})
		s.Classes = append(s.Classes, *c)
	}
	return s
}

// CSVHeader is the first line of predictions.csv.
var CSVHeader = []string{"collection", "file", "wnid", "class", "top1_wnid", "top1_class", "top1_prob",
	"top5_wnids", "correct1", "correct5"}

// WriteCSV writes predictions.csv: one line per result, in order.
func WriteCSV(w io.Writer, results []Result) error {
	cw := csv.NewWriter(w)
	cw.Write(CSVHeader)
	for _, r := range results {
		class := ""
		if r.Class >= 0 {
			class = strconv.Itoa(r.Class)
		}
		var wnids []string
		for _, g := range r.Top5 {
			wnids = append(wnids, g.WNID)
		}
		var top Guess
		if len(r.Top5) > 0 {
			top = r.Top5[0]
		}
		cw.Write([]string{r.Collection, r.Path, r.WNID, class, top.WNID, strconv.Itoa(top.Class),
			strconv.FormatFloat(float64(top.Prob), 'f', 6, 32), strings.Join(wnids, " "),
			strconv.FormatBool(r.Correct(1)), strconv.FormatBool(r.Correct(5))})
	}
	cw.Flush()
	return cw.Error()
}

// Colours of the collections on the map and in the tables: the first red, the second blue, as the material
// this inspection comes from draws ILSVRC and another collection.
var Colours = []string{"#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"}

// Colour is the colour of the i-th collection.
func Colour(i int) string { return Colours[i%len(Colours)] }
