// Package inception runs networks made of inception blocks, described as data: InceptionV3 (nn/inceptionv3) and
// GoogLeNet (nn/googlenet) are each a table of blocks that this package compiles into layers with preallocated
// buffers. A block is a list of branches whose outputs are concatenated along channels; a branch is a chain of
// layers (the stem) followed by one or more leaves that each read the stem's output and write their own slice of
// the block's output (InceptionV3's last blocks split their 3x3 branches into a 1x3 and a 3x1 leaf). A plain
// layer of the network (the stem convolutions, a pooling or LRN step) is a block of one branch.
package inception

import "inceptionweb/nn"

// Kind is what a layer computes.
type Kind int

const (
	Conv    Kind = iota // convolution + bias + ReLU (batch norm, where the weights have it, folded in)
	MaxPool             // max over the window, padding ignored
	AvgPool             // average over the window, padding counted (PyTorch's count_include_pad=True)
	LRN                 // local response normalisation across channels (the network's Arch.LRN)
)

// Param as a layer's OutC means the block's parameter (InceptionV3's pool_features or channels_7x7).
const Param = -1

// Layer is one layer of a branch.
type Layer struct {
	Name   string // within the block ("" for a block that is a single layer)
	Kind   Kind
	OutC   int // output channels of a convolution, or Param; pooling and LRN keep their input's
	KH, KW int
	Stride int
	PH, PW int
	Ceil   bool // the output size rounds up (Caffe's pooling): the last window may hang over the edge
}

// Branch is a chain of stem layers whose output every leaf reads.
type Branch struct {
	Stem, Leaves []Layer
}

// BlockKind is the branches of a block.
type BlockKind struct {
	Branches []Branch
}

// Block is one step of a network: its name (the prefix of its parameters' names), its kind and the kind's
// parameter.
type Block struct {
	Name  string
	Kind  BlockKind
	Param int
}

// Arch is a whole network: its blocks up to the global average pool, then a linear classifier.
type Arch struct {
	Name      string
	InputSize int
	Features  int // channels into the classifier
	Classes   int
	Blocks    []Block
	// Parameter names, in PyTorch's layout (OIHW convolutions, [out][in] classifier): a convolution is
	// <block><Sep><layer><ConvSuffix>.weight, with .bias beside it or, unfolded, batch norm's
	// <block><Sep><layer>.bn.{weight,bias,running_mean,running_var}; the classifier is <Classifier>.weight/.bias.
	Sep          string
	ConvSuffix   string
	Classifier   string
	BatchNormEps float64
	LRN          nn.LRN // the parameters of every LRN layer
}

// C is a convolution layer.
func C(name string, outC, kh, kw, stride, ph, pw int) Layer {
	return Layer{Name: name, Kind: Conv, OutC: outC, KH: kh, KW: kw, Stride: stride, PH: ph, PW: pw}
}

// Leaf is a branch of one layer.
func Leaf(l Layer) Branch { return Branch{Leaves: []Layer{l}} }

// Chain is a branch whose last layer is its leaf.
func Chain(ls ...Layer) Branch { return Branch{Stem: ls[:len(ls)-1], Leaves: ls[len(ls)-1:]} }

// Fork is a branch whose stem feeds several leaves.
func Fork(stem []Layer, leaves ...Layer) Branch { return Branch{Stem: stem, Leaves: leaves} }

// Single is a block that is one layer.
func Single(l Layer) BlockKind { return BlockKind{[]Branch{Leaf(l)}} }
