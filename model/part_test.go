package model

import (
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"inceptionweb/internal/testenv"
	"inceptionweb/nn/calibrate"
)

// exchange runs every step of the parts, each given its pixels already, swapping their results as the
// workers do, and returns the bytes sent per image.
func exchange(parts []*Part) int {
	sent := 0
	for i := 0; i < parts[0].Steps(); i++ {
		bufs := make([][]byte, len(parts))
		for k, p := range parts {
			p.Step(i)
			bufs[k] = make([]byte, p.ShareSize(i, k))
			p.Share(i, bufs[k])
			sent += len(bufs[k])
		}
		for k, p := range parts {
			for from := range parts {
				if from != k {
					p.Receive(i, from, bufs[from])
				}
			}
		}
	}
	return sent
}

// TestPartInt8 splits the int8-compute networks in 2 and 3 parts: every part ends with the whole program's
// logits, bit for bit. googlenet_int8 is the real model (make weights); InceptionV3's int8 graph is calibrated
// here from the synthetic weights.
func TestPartInt8(t *testing.T) {
	t.Run("googlenet_int8", func(t *testing.T) {
		data, err := os.ReadFile(filepath.Join(testenv.Root(t), "build", "models", "googlenet_int8.safetensors"))
		if err != nil {
			t.Skipf("no built models (make weights): %v", err)
		}
		testPartInt8(t, "googlenet_int8", data)
	})
	t.Run("inception_v3_int8", func(t *testing.T) {
		if testing.Short() {
			t.Skip("calibrating InceptionV3 is slow")
		}
		float, err := Synthetic(Int8)
		if err != nil {
			t.Fatal(err)
		}
		imgs := []image.Image{photo(t, "chelsea.png"), photo(t, "coffee.png")}
		data, _, err := QuantizeActivations("synthetic", float, imgs, calibrate.Default)
		if err != nil {
			t.Fatal(err)
		}
		testPartInt8(t, "synthetic_int8", data)
	})
}

func testPartInt8(t *testing.T, name string, data []byte) {
	whole, err := Open(name, data)
	if err != nil {
		t.Fatal(err)
	}
	if !whole.CanSplit() {
		t.Fatalf("%s cannot be split", name)
	}
	in := whole.Info().Input
	wholeHeap := heapOf(func() any { m, _ := Open(name, data); return m })
	for _, n := range []int{2, 3} {
		parts := make([]*Part, n)
		for k := range parts {
			if parts[k], err = OpenPart(name, data, k, n); err != nil {
				t.Fatal(err)
			}
		}
		sent := 0
		// A second image through the same parts: nothing of the first one's stays behind.
		for _, file := range []string{"chelsea.png", "coffee.png"} {
			pix := in.CropResize(photo(t, file))
			scores, err := whole.scores(pix)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range parts {
				if err := p.Begin(pix, in.Size); err != nil {
					t.Fatal(err)
				}
			}
			sent = exchange(parts)
			for k, p := range parts {
				got := p.logits()
				if len(got) != len(scores) {
					t.Fatalf("%d parts, part %d: %d logits, want %d", n, k, len(got), len(scores))
				}
				for j := range scores {
					if math.Float32bits(got[j]) != math.Float32bits(scores[j]) {
						t.Fatalf("%s, %d parts, part %d: logit %d = %v, whole program %v", file, n, k, j, got[j], scores[j])
					}
				}
			}
		}
		// What each part holds (its packed weights, arena and buffers) against the whole model.
		msg := fmt.Sprintf("%d parts: %d steps, %.2f MB sent per image; the whole model holds %.1f MB, the parts", n, parts[0].Steps(), float64(sent)/1e6, wholeHeap/1e6)
		for k := range parts {
			msg += fmt.Sprintf(" %.1f", heapOf(func() any { p, _ := OpenPart(name, data, k, n); return p })/1e6)
		}
		t.Log(msg + " MB")
	}
}

// heapOf is the heap that what build returns keeps alive.
func heapOf(build func() any) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	v := build()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(v)
	return float64(after.HeapAlloc) - float64(before.HeapAlloc)
}
