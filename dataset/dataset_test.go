package dataset

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLabel(t *testing.T) {
	for path, want := range map[string]string{
		"n01440764_tench.JPEG":                 "n01440764",
		"train/n01443537/n01443537_10007.JPEG": "n01443537",
		"val/n02097047/ILSVRC2012_val_1.JPEG":  "n02097047",
		"n04254777.png":                        "n04254777",
		"holiday/pillow.jpg":                   "",
		"n99999999_not_a_class.jpg":            "",
	} {
		if got := Label(path); got.WNID != want || (want == "") != (got.Class < 0) {
			t.Errorf("Label(%q) = %+v, want %q", path, got, want)
		}
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"n01440764/a.JPEG", "b/n01443537_x.jpg", "c.png", "notes.txt"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755)
		os.WriteFile(filepath.Join(dir, f), nil, 0o644)
	}
	imgs, err := Find(dir)
	if err != nil || len(imgs) != 3 {
		t.Fatalf("Find = %+v, %v", imgs, err)
	}
	if imgs[0].Class != 1 || imgs[1].Class != -1 || imgs[2].Class != 0 {
		t.Errorf("classes %d %d %d", imgs[0].Class, imgs[1].Class, imgs[2].Class)
	}
}
