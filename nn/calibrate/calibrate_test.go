package calibrate_test

import (
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"inceptionweb/imagefile"
	"inceptionweb/internal/testenv"
	"inceptionweb/internal/testmodels"
	"inceptionweb/nn"
	"inceptionweb/nn/calibrate"
	"inceptionweb/nn/float"
	"inceptionweb/nn/googlenet"
	"inceptionweb/nn/inception"
	"inceptionweb/nn/quant"
	"inceptionweb/weights"
)

// TestGoogLeNet quantizes the real GoogLeNet, calibrated on the shared photographs, and checks the integer
// graph: it compiles, concatenations copy (their convolutions write in their quantization), pools keep their
// input's, and on every photo its logits point where the float graph's do (cosine >= 0.99), with the same top
// class where the class is clear.
func TestGoogLeNet(t *testing.T) {
	if runtime.GOOS == "js" {
		t.Skip("the quantization is plain Go: natively is enough (minutes under Node)")
	}
	mf, err := weights.Read("googlenet", testmodels.GoogLeNet(t))
	if err != nil {
		t.Fatal(err)
	}
	g, consts, err := googlenet.Arch.Graph(mf, inception.Config{})
	if err != nil {
		t.Fatal(err)
	}
	photos, err := filepath.Glob(filepath.Join(testenv.Shared(t), "images", "*.[pj][np]g"))
	if err != nil || len(photos) < 3 {
		t.Fatalf("photos: %v %v", photos, err)
	}
	var inputs [][]float32
	for _, p := range photos {
		img, err := imagefile.Read(p)
		if err != nil {
			t.Fatal(err)
		}
		x := make([]float32, 224*224*3)
		mf.Input.FloatInput(mf.Input.CropResize(img), x)
		inputs = append(inputs, x)
	}
	r, err := calibrate.Observe(g, consts, inputs, nn.KernelSet{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := calibrate.Quantize(g, consts, r, calibrate.Options{Method: "best", Bits: 8}); err == nil {
		t.Error("an unknown method was accepted")
	}
	q, qc, err := calibrate.Quantize(g, consts, r, calibrate.Default)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range q.Ops {
		out := q.Tensors[op.Outputs[0]]
		switch op.Op {
		case "CONCATENATION":
			for _, x := range op.Inputs {
				if in := q.Tensors[x]; in.Scale[0] != out.Scale[0] {
					t.Errorf("%s: input %s has scale %g, the output %g", out.Name, in.Name, in.Scale[0], out.Scale[0])
				}
			}
		case "MAX_POOL_2D":
			if in := q.Tensors[op.Inputs[0]]; in.Scale[0] != out.Scale[0] || in.ZeroPoint[0] != out.ZeroPoint[0] {
				t.Errorf("%s: pooling changes the quantization", out.Name)
			}
		}
	}
	prog, err := quant.Compile(q, func(name string) ([]byte, error) { return qc[name].Data, nil }, quant.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fp, err := float.Compile(g, func(name string, shape []int) ([]float32, error) { return consts[name], nil }, nn.KernelSet{})
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range inputs {
		copy(fp.Input().Data, x)
		fp.Run()
		want := fp.Logits()
		if err := prog.RunFloat(x); err != nil {
			t.Fatal(err)
		}
		logits, ok := prog.OutputFloat32()
		if !ok {
			t.Fatal("the integer graph does not end in float32 logits")
		}
		top := func(v []float32) int { return slices.Index(v, slices.Max(v)) }
		c := nn.Cosine(want, logits)
		t.Logf("%s: top-1 %d (float %d), logit cosine %.4f", filepath.Base(photos[i]), top(logits), top(want), c)
		if c < 0.99 {
			t.Errorf("%s: logit cosine %.4f, want >= 0.99", filepath.Base(photos[i]), c)
		}
		// The photos whose class is clear (the others' top two are close, and may swap).
		if clear := []string{"chelsea.png", "coffee.png", "rocket.jpg"}; slices.Contains(clear, filepath.Base(photos[i])) && top(logits) != top(want) {
			t.Errorf("%s: top-1 %d, float %d", filepath.Base(photos[i]), top(logits), top(want))
		}
	}
}
