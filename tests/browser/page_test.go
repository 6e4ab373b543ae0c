package browser

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"inceptionweb/internal/testenv"
	"inceptionweb/internal/testimages"
)

var (
	cats    = []string{"Egyptian cat", "tabby", "tiger cat"}
	rockets = []string{"missile", "projectile", "space shuttle"}
)

// TestPage classifies real photographs, rejects bad files with clear errors while the page keeps working,
// and takes the model from the cache after a reload.
func TestPage(t *testing.T) {
	site := builtSite(t)
	images := filepath.Join(testenv.Shared(t), "images")
	bad := badFiles(t)
	url := serve(t, site)
	ctx := open(t, browser(t), url)
	waitReady(t, ctx)
	if src := eval[string](t, ctx, statusJS+".dataset.modelSource"); src != "network" {
		t.Errorf("first visit: model source %q, want network", src)
	}

	photos := []string{filepath.Join(images, "chelsea.png"), filepath.Join(images, "coffee.png"), filepath.Join(images, "rocket.jpg")}
	native := nativeTop(t, 0.02, photos...)
	for i, want := range [][]string{cats, {"espresso"}, rockets} {
		c := classify(t, ctx, photos[i])
		expectTop(t, c, want...)
		if len(c.Predictions) > 0 && !contains(native[c.File], c.Predictions[0].Label) {
			t.Errorf("%s: browser top-1 %q, native classifier %q", c.File, c.Predictions[0].Label, native[c.File])
		}
	}

	for _, c := range []struct {
		file  string
		words []string
	}{
		{bad.text, []string{"not an image"}},
		{bad.truncated, []string{"truncated"}},
		{bad.empty, []string{"empty"}},
		{bad.huge, []string{"too large"}},
	} {
		expectRejected(t, ctx, classify(t, ctx, c.file), c.words...)
		expectTop(t, classify(t, ctx, filepath.Join(images, "chelsea.png")), cats...) // still working
	}

	// Unusual but valid images: CMYK and gray JPEG, gray PNG, PNG with alpha.
	goImages := filepath.Join(runtime.GOROOT(), "src", "image", "testdata")
	expectTop(t, classify(t, ctx, filepath.Join(goImages, "video-001.cmyk.jpeg")))
	expectTop(t, classify(t, ctx, filepath.Join(goImages, "video-005.gray.jpeg")))
	expectTop(t, classify(t, ctx, filepath.Join(images, "camera.png")))
	expectTop(t, classify(t, ctx, filepath.Join(images, "horse.png")))

	// Several images at once: a card each, the newest first.
	classify(t, ctx, filepath.Join(images, "coffee.png"), filepath.Join(images, "rocket.jpg"), filepath.Join(images, "chelsea.png"))
	files := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("[data-testid=result]"), (c) => c.dataset.file).slice(0, 3)`)
	if strings.Join(files, ",") != "chelsea.png,rocket.jpg,coffee.png" {
		t.Errorf("cards of the last three images: %q, want the newest first", files)
	}
	first := eval[string](t, ctx, `document.querySelector("[data-testid=prediction]").dataset.label`)
	if !contains(cats, first) {
		t.Errorf("first prediction of the page %q, want the newest image's top-1 (a cat)", first)
	}
	screenshot(t, ctx, "page.png")

	// A reload takes the model from the cache.
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	waitReady(t, ctx)
	if src := eval[string](t, ctx, statusJS+".dataset.modelSource"); src != "cache" {
		t.Errorf("after a reload: model source %q, want cache", src)
	}
	expectTop(t, classify(t, ctx, filepath.Join(images, "coffee.png")), "espresso")
}

// TestBrokenModel serves a tampered and a missing model file: the page says so and stays usable.
func TestBrokenModel(t *testing.T) {
	site := builtSite(t)
	for _, c := range []struct {
		name  string
		serve func(w http.ResponseWriter, r *http.Request, path string)
		words string
	}{
		{"tampered", func(w http.ResponseWriter, r *http.Request, path string) {
			data, err := os.ReadFile(path)
			if err != nil {
				http.NotFound(w, r)
				return
			}
			data[len(data)/2] ^= 0xFF // same size, different bytes
			w.Write(data)
		}, "corrupted"},
		{"missing", func(w http.ResponseWriter, r *http.Request, path string) { http.NotFound(w, r) }, "failed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			files := http.FileServer(http.Dir(site))
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, ".safetensors") {
					c.serve(w, r, filepath.Join(site, filepath.FromSlash(strings.TrimPrefix(r.URL.Path, "/"))))
					return
				}
				files.ServeHTTP(w, r)
			}))
			defer srv.Close()
			ctx := open(t, browser(t), srv.URL+"/")
			waitFor(t, ctx, "the model error", statusJS+`?.dataset.state === "error"`)
			msg := eval[string](t, ctx, `document.querySelector("[data-testid=error]").textContent`)
			if !strings.Contains(msg, c.words) {
				t.Errorf("error %q does not say %q", msg, c.words)
			}
			t.Logf("error: %s", msg)
			// Still usable: a photo gets a clear answer instead of hanging the page.
			card := classify(t, ctx, filepath.Join(testenv.Shared(t), "images", "chelsea.png"))
			if card.State != "error" || !strings.Contains(card.Error, "no model") {
				t.Errorf("a photo without a model: %+v", card)
			}
		})
	}
}

// TestStaticSubPath serves a copy of the site under /some/sub/path/ with a plain file server: the page works
// from any static host because its URLs are relative.
func TestStaticSubPath(t *testing.T) {
	site := builtSite(t)
	root := t.TempDir()
	sub := filepath.Join(root, "some", "sub", "path")
	if err := os.CopyFS(sub, os.DirFS(site)); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(root)))
	defer srv.Close()
	ctx := open(t, browser(t), srv.URL+"/some/sub/path/")
	waitReady(t, ctx)
	expectTop(t, classify(t, ctx, filepath.Join(testenv.Shared(t), "images", "chelsea.png")), cats...)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

type badSet struct{ text, truncated, empty, huge string }

// badFiles writes the files the page must refuse.
func badFiles(t *testing.T) badSet {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rocket, err := os.ReadFile(filepath.Join(testenv.Shared(t), "images", "rocket.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	return badSet{
		text:      write("notes.jpg", []byte("This is a text file with a .jpg name.\n")),
		truncated: write("truncated.jpg", rocket[:len(rocket)/2]),
		empty:     write("empty.png", nil),
		huge:      write("huge.png", testimages.BlankPNG(20000, 20000)),
	}
}
