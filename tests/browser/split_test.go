package browser

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"inceptionweb/internal/testenv"
)

// selectModel picks a model in the page and waits until the workers hold it.
func selectModel(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	eval[bool](t, ctx, fmt.Sprintf(`(() => {
		const s = document.querySelector("[data-testid=model-select]");
		s.value = %q;
		s.dispatchEvent(new Event("change"));
		return true;
	})()`, name))
	waitFor(t, ctx, name, fmt.Sprintf(`%s.dataset.model === %q && %s.dataset.state === "ready"`, statusJS, name, statusJS))
}

// TestSplitImage classifies one photo on one worker, then, with the page's picker set to two workers, split
// across both (they exchange their results after every step): the answers agree. Float InceptionV3's may
// differ in the last bits of a probability; googlenet_int8's integer program gives the same bits.
func TestSplitImage(t *testing.T) {
	url := serveWithInception(t, builtSite(t))
	photo := filepath.Join(testenv.Shared(t), "images", "chelsea.png")
	for _, tc := range []struct {
		model string
		exact bool
	}{
		{syntheticInception, false},
		{"googlenet_int8", true},
	} {
		t.Run(tc.model, func(t *testing.T) {
			whole, split := splitAnswers(t, url+"?workers=1", tc.model, photo)
			if len(whole) != len(split) {
				t.Fatalf("1 worker: %v; 2 workers: %v", whole, split)
			}
			for i := range whole {
				var p, q float64
				fmt.Sscan(whole[i].Prob, &p)
				fmt.Sscan(split[i].Prob, &q)
				// The float parts run the same kernels on slices of the same layers; only summation order may
				// differ.
				if whole[i].Label != split[i].Label || (tc.exact && whole[i].Prob != split[i].Prob) || math.Abs(p-q) > 1e-4 {
					t.Errorf("rank %d: 1 worker %v, split across 2 %v", i+1, whole[i], split[i])
				}
			}
			t.Logf("answer: %v", split)
		})
	}
}

// splitAnswers classifies the photo with the model on one worker, then on two, and returns both answers.
func splitAnswers(t *testing.T, url, model, photo string) (whole, split []prediction) {
	ctx := open(t, browser(t), url)
	waitReady(t, ctx)
	selectModel(t, ctx, model)
	var answers [2]card
	for i, workers := range []int{1, 2} {
		if workers > 1 {
			eval[bool](t, ctx, fmt.Sprintf(`(() => {
				const s = document.querySelector("[data-testid=workers-select]");
				s.value = "%d";
				s.dispatchEvent(new Event("change"));
				return true;
			})()`, workers))
			// The page answers once the first worker holds the model; the split needs every worker.
			waitFor(t, ctx, "the new workers", fmt.Sprintf(`%s.dataset.workers === "%d" && %s.dataset.workersReady === "%d" && %s.dataset.state === "ready"`,
				statusJS, workers, statusJS, workers, statusJS))
		}
		if split := eval[string](t, ctx, statusJS+".dataset.split"); split != fmt.Sprint(workers > 1) {
			t.Errorf("%d workers: data-split %q", workers, split)
		}
		answers[i] = classify(t, ctx, photo)
		expectTop(t, answers[i])
		if ran := eval[string](t, ctx, `document.querySelector("[data-testid=result]").dataset.workers`); ran != fmt.Sprint(workers) {
			t.Errorf("%d workers: the image ran on %s", workers, ran)
		}
		classify(t, ctx, photo) // once more, warm, for the time in the log
		t.Logf("%d workers: %s", workers, eval[string](t, ctx, `document.querySelector("[data-testid=result] .meta").textContent`))
	}
	return answers[0].Predictions, answers[1].Predictions
}
