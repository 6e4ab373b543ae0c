package inceptionv3

import (
	"inceptionweb/nn/inception"
)

// The architecture as data (see package inception). Names are torchvision's, so parameters are found as
// "<block>.<layer>.conv.weight".

var (
	c     = inception.C
	leaf  = inception.Leaf
	chain = inception.Chain
	fork  = inception.Fork
)

const param = inception.Param

var (
	pool3x3s1 = inception.Layer{Kind: inception.AvgPool, KH: 3, KW: 3, Stride: 1, PH: 1, PW: 1}
	max3x3s2  = inception.Layer{Kind: inception.MaxPool, KH: 3, KW: 3, Stride: 2}
)

// torchvision's InceptionA..E.
var (
	inceptionA = inception.BlockKind{Branches: []inception.Branch{
		leaf(c("branch1x1", 64, 1, 1, 1, 0, 0)),
		chain(c("branch5x5_1", 48, 1, 1, 1, 0, 0), c("branch5x5_2", 64, 5, 5, 1, 2, 2)),
		chain(c("branch3x3dbl_1", 64, 1, 1, 1, 0, 0), c("branch3x3dbl_2", 96, 3, 3, 1, 1, 1), c("branch3x3dbl_3", 96, 3, 3, 1, 1, 1)),
		chain(pool3x3s1, c("branch_pool", param, 1, 1, 1, 0, 0)),
	}}
	inceptionB = inception.BlockKind{Branches: []inception.Branch{
		leaf(c("branch3x3", 384, 3, 3, 2, 0, 0)),
		chain(c("branch3x3dbl_1", 64, 1, 1, 1, 0, 0), c("branch3x3dbl_2", 96, 3, 3, 1, 1, 1), c("branch3x3dbl_3", 96, 3, 3, 2, 0, 0)),
		leaf(max3x3s2),
	}}
	inceptionC = inception.BlockKind{Branches: []inception.Branch{
		leaf(c("branch1x1", 192, 1, 1, 1, 0, 0)),
		chain(c("branch7x7_1", param, 1, 1, 1, 0, 0), c("branch7x7_2", param, 1, 7, 1, 0, 3), c("branch7x7_3", 192, 7, 1, 1, 3, 0)),
		chain(c("branch7x7dbl_1", param, 1, 1, 1, 0, 0), c("branch7x7dbl_2", param, 7, 1, 1, 3, 0), c("branch7x7dbl_3", param, 1, 7, 1, 0, 3),
			c("branch7x7dbl_4", param, 7, 1, 1, 3, 0), c("branch7x7dbl_5", 192, 1, 7, 1, 0, 3)),
		chain(pool3x3s1, c("branch_pool", 192, 1, 1, 1, 0, 0)),
	}}
	inceptionD = inception.BlockKind{Branches: []inception.Branch{
		chain(c("branch3x3_1", 192, 1, 1, 1, 0, 0), c("branch3x3_2", 320, 3, 3, 2, 0, 0)),
		chain(c("branch7x7x3_1", 192, 1, 1, 1, 0, 0), c("branch7x7x3_2", 192, 1, 7, 1, 0, 3), c("branch7x7x3_3", 192, 7, 1, 1, 3, 0),
			c("branch7x7x3_4", 192, 3, 3, 2, 0, 0)),
		leaf(max3x3s2),
	}}
	inceptionE = inception.BlockKind{Branches: []inception.Branch{
		leaf(c("branch1x1", 320, 1, 1, 1, 0, 0)),
		fork([]inception.Layer{c("branch3x3_1", 384, 1, 1, 1, 0, 0)},
			c("branch3x3_2a", 384, 1, 3, 1, 0, 1), c("branch3x3_2b", 384, 3, 1, 1, 1, 0)),
		fork([]inception.Layer{c("branch3x3dbl_1", 448, 1, 1, 1, 0, 0), c("branch3x3dbl_2", 384, 3, 3, 1, 1, 1)},
			c("branch3x3dbl_3a", 384, 1, 3, 1, 0, 1), c("branch3x3dbl_3b", 384, 3, 1, 1, 1, 0)),
		chain(pool3x3s1, c("branch_pool", 192, 1, 1, 1, 0, 0)),
	}}
)

var single = inception.Single

// Network-wide constants of torchvision's inception_v3.
const (
	InputSize    = 299
	Features     = 2048 // channels into the classifier
	Classes      = 1000
	BatchNormEps = 0.001
)

// Arch is torchvision's Inception3.forward up to the global average pool, then fc.
var Arch = &inception.Arch{
	Name: "inception_v3", InputSize: InputSize, Features: Features, Classes: Classes,
	Sep: ".", ConvSuffix: ".conv", Classifier: "fc", BatchNormEps: BatchNormEps,
	Blocks: []inception.Block{
		{Name: "Conv2d_1a_3x3", Kind: single(c("", 32, 3, 3, 2, 0, 0))},
		{Name: "Conv2d_2a_3x3", Kind: single(c("", 32, 3, 3, 1, 0, 0))},
		{Name: "Conv2d_2b_3x3", Kind: single(c("", 64, 3, 3, 1, 1, 1))},
		{Name: "maxpool1", Kind: single(max3x3s2)},
		{Name: "Conv2d_3b_1x1", Kind: single(c("", 80, 1, 1, 1, 0, 0))},
		{Name: "Conv2d_4a_3x3", Kind: single(c("", 192, 3, 3, 1, 0, 0))},
		{Name: "maxpool2", Kind: single(max3x3s2)},
		{Name: "Mixed_5b", Kind: inceptionA, Param: 32},
		{Name: "Mixed_5c", Kind: inceptionA, Param: 64},
		{Name: "Mixed_5d", Kind: inceptionA, Param: 64},
		{Name: "Mixed_6a", Kind: inceptionB},
		{Name: "Mixed_6b", Kind: inceptionC, Param: 128},
		{Name: "Mixed_6c", Kind: inceptionC, Param: 160},
		{Name: "Mixed_6d", Kind: inceptionC, Param: 160},
		{Name: "Mixed_6e", Kind: inceptionC, Param: 192},
		{Name: "Mixed_7a", Kind: inceptionD},
		{Name: "Mixed_7b", Kind: inceptionE},
		{Name: "Mixed_7c", Kind: inceptionE},
	},
}
