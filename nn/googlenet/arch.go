// Package googlenet is GoogLeNet (Inception v1) as BVLC trained it in Caffe: the table of blocks below, compiled
// by package inception. Caffe's semantics that matter: max pooling rounds its output size up (112 -> 56 -> 28
// -> 14 -> 7), LRN across 5 channels after the stem, every convolution has a bias and a ReLU, no batch norm.
// The 7x7 average pool at the end covers the whole 7x7 map, so it is the global average pool before the
// classifier.
package googlenet

import (
	"inceptionweb/nn"
	"inceptionweb/nn/inception"
)

var c = inception.C

// Caffe's max pooling: 3x3, ceil rounding; stride 2 between stages, stride 1 with padding 1 in a module's
// pooling branch.
var (
	max3x3s2 = inception.Layer{Kind: inception.MaxPool, KH: 3, KW: 3, Stride: 2, Ceil: true}
	max3x3s1 = inception.Layer{Kind: inception.MaxPool, KH: 3, KW: 3, Stride: 1, PH: 1, PW: 1, Ceil: true}
	norm     = inception.Layer{Kind: inception.LRN}
)

// module is the Inception module with dimension reductions: a 1x1 branch, 1x1 reductions before the 3x3 and
// the 5x5 convolutions, and a pooling branch projected by a 1x1, concatenated in that order. The arguments are
// the columns of the GoogLeNet paper's table 1 (#1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj).
func module(n1, r3, n3, r5, n5, proj int) inception.BlockKind {
	return inception.BlockKind{Branches: []inception.Branch{
		inception.Leaf(c("1x1", n1, 1, 1, 1, 0, 0)),
		inception.Chain(c("3x3_reduce", r3, 1, 1, 1, 0, 0), c("3x3", n3, 3, 3, 1, 1, 1)),
		inception.Chain(c("5x5_reduce", r5, 1, 1, 1, 0, 0), c("5x5", n5, 5, 5, 1, 2, 2)),
		inception.Chain(max3x3s1, c("pool_proj", proj, 1, 1, 1, 0, 0)),
	}}
}

var single = inception.Single

// Network-wide constants of BVLC GoogLeNet.
const (
	InputSize = 224
	Features  = 1024
	Classes   = 1000
)

// Arch is deploy.prototxt of BVLC GoogLeNet without its auxiliary classifiers. Names are Caffe's layer names,
// so a convolution's parameters are "<block>/<layer>.weight" (OIHW) and ".bias", e.g. "inception_3a/1x1.weight".
var Arch = &inception.Arch{
	Name: "googlenet", InputSize: InputSize, Features: Features, Classes: Classes,
	Sep: "/", Classifier: "loss3/classifier",
	LRN: nn.LRN{Size: 5, Alpha: 1e-4, Beta: 0.75, K: 1},
	Blocks: []inception.Block{
		{Name: "conv1/7x7_s2", Kind: single(c("", 64, 7, 7, 2, 3, 3))},
		{Name: "pool1/3x3_s2", Kind: single(max3x3s2)},
		{Name: "pool1/norm1", Kind: single(norm)},
		{Name: "conv2/3x3_reduce", Kind: single(c("", 64, 1, 1, 1, 0, 0))},
		{Name: "conv2/3x3", Kind: single(c("", 192, 3, 3, 1, 1, 1))},
		{Name: "conv2/norm2", Kind: single(norm)},
		{Name: "pool2/3x3_s2", Kind: single(max3x3s2)},
		{Name: "inception_3a", Kind: module(64, 96, 128, 16, 32, 32)},
		{Name: "inception_3b", Kind: module(128, 128, 192, 32, 96, 64)},
		{Name: "pool3/3x3_s2", Kind: single(max3x3s2)},
		{Name: "inception_4a", Kind: module(192, 96, 208, 16, 48, 64)},
		{Name: "inception_4b", Kind: module(160, 112, 224, 24, 64, 64)},
		{Name: "inception_4c", Kind: module(128, 128, 256, 24, 64, 64)},
		{Name: "inception_4d", Kind: module(112, 144, 288, 32, 64, 64)},
		{Name: "inception_4e", Kind: module(256, 160, 320, 32, 128, 128)},
		{Name: "pool4/3x3_s2", Kind: single(max3x3s2)},
		{Name: "inception_5a", Kind: module(256, 160, 320, 32, 128, 128)},
		{Name: "inception_5b", Kind: module(384, 192, 384, 48, 128, 128)},
	},
}

// Config selects the share of the work.
type Config = inception.Config

// New builds the network (or the part cfg.Split names) from p.
func New(p inception.Params, cfg Config) (*inception.Net, error) { return inception.New(Arch, p, cfg) }

// ParamSpecs lists the parameters the network reads with their PyTorch shapes.
func ParamSpecs() []inception.ParamSpec { return Arch.ParamSpecs(Config{}, false) }
