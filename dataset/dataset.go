// Package dataset finds the images of a collection (a folder of images) and their true ImageNet classes: the
// WNID in an image's path, from a "<wnid>/" folder (ImageNet's train and val layout) or a file named
// "<wnid>_*" (the layout of one-image-per-class sample sets). Images without one are unlabelled.
package dataset

import (
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"inceptionweb/nn/imagenet"
)

// Image is one image of a collection.
type Image struct {
	Path  string // as found under the collection's folder
	WNID  string // "" when unlabelled
	Class int    // ImageNet index of WNID, -1 when unlabelled
}

// imageExts are the file types a collection's images may have.
var imageExts = []string{".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp"}

// IsImage reports whether a path names a file a collection takes as an image (by its extension).
func IsImage(path string) bool {
	return slices.Contains(imageExts, strings.ToLower(filepath.Ext(path)))
}

// Find lists the images under dir, in path order.
func Find(dir string) ([]Image, error) {
	var imgs []Image
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !IsImage(path) {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		imgs = append(imgs, Label(rel))
		imgs[len(imgs)-1].Path = path
		return nil
	})
	return imgs, err
}

// Label finds the WNID in a path: the file's name prefix before "_" or ".", else the nearest folder named as a
// WNID.
func Label(path string) Image {
	img := Image{Path: path, Class: -1}
	parts := strings.Split(filepath.ToSlash(path), "/")
	name := parts[len(parts)-1]
	cands := []string{strings.FieldsFunc(name, func(r rune) bool { return r == '_' || r == '.' })[0]}
	for i := len(parts) - 2; i >= 0; i-- {
		cands = append(cands, parts[i])
	}
	for _, c := range cands {
		if k := imagenet.ClassOf(c); k >= 0 {
			img.WNID, img.Class = c, k
			break
		}
	}
	return img
}
