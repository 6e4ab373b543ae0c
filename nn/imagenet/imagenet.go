// Package imagenet holds the facts every ImageNet classifier here shares: the 1000 classes (labels.txt: one
// "<wnid> <synonyms>" line per class, in sorted-wnid order, which is torchvision's, Caffe's and Keras's, and
// TF-slim's after its background class) and the preprocessing of each model family.
package imagenet

import (
	_ "embed"
	"slices"
	"strings"
)

//go:embed labels.txt
var labelsTxt string

// WNIDs and Labels are the 1000 ImageNet classes by index: class i is WordNet synset WNIDs[i] ("n01440764"),
// and Labels[i] lists its synonyms separated by ", " ("tench, Tinca tinca").
var WNIDs, Labels = parseLabels(labelsTxt)

// Classes is the number of ImageNet classes.
const Classes = 1000

func parseLabels(txt string) (wnids, labels []string) {
	for _, line := range strings.Split(strings.TrimRight(txt, "\n"), "\n") {
		wnid, label, _ := strings.Cut(line, " ")
		wnids, labels = append(wnids, wnid), append(labels, label)
	}
	if len(wnids) != Classes {
		panic("imagenet: labels.txt does not have one line per class")
	}
	return wnids, labels
}

// ClassOf returns the index of a WNID, or -1.
func ClassOf(wnid string) int {
	i, ok := slices.BinarySearch(WNIDs, wnid)
	if !ok {
		return -1
	}
	return i
}

// ShortLabel is a class's first synonym ("tabby, tabby cat" -> "tabby").
func ShortLabel(label string) string {
	name, _, _ := strings.Cut(label, ",")
	return name
}
