package inceptionv3

// The architecture as data. A block is a list of branches whose outputs are concatenated along channels; a
// branch is a chain of layers (the stem) followed by one or more leaves that each read the stem's output and
// write their own slice of the block's output (InceptionE splits its 3x3 branches into a 1x3 and a 3x1 leaf).
// Names are torchvision's, so parameters are found as "<block>.<layer>.conv.weight".

type layerKind int

const (
	conv layerKind = iota
	maxPool
	avgPool // 3x3, stride 1, pad 1, count_include_pad=True, as every torchvision Inception block uses it
)

type layer struct {
	name   string // conv layer name within the block ("" for a block that is a single conv)
	kind   layerKind
	outC   int // output channels; param means the block's parameter (pool_features or channels_7x7)
	kh, kw int
	stride int
	ph, pw int
}

type branch struct {
	stem   []layer
	leaves []layer
}

type blockKind struct {
	branches []branch
}

const param = -1

func c(name string, outC, kh, kw, stride, ph, pw int) layer {
	return layer{name: name, kind: conv, outC: outC, kh: kh, kw: kw, stride: stride, ph: ph, pw: pw}
}

func leaf(l layer) branch                    { return branch{leaves: []layer{l}} }
func chain(ls ...layer) branch               { return branch{stem: ls[:len(ls)-1], leaves: ls[len(ls)-1:]} }
func split(stem []layer, ls ...layer) branch { return branch{stem: stem, leaves: ls} }

var (
	pool3x3s1 = layer{kind: avgPool, kh: 3, kw: 3, stride: 1, ph: 1, pw: 1}
	max3x3s2  = layer{kind: maxPool, kh: 3, kw: 3, stride: 2}
)

// torchvision's InceptionA..E.
var (
	inceptionA = blockKind{[]branch{
		leaf(c("branch1x1", 64, 1, 1, 1, 0, 0)),
		chain(c("branch5x5_1", 48, 1, 1, 1, 0, 0), c("branch5x5_2", 64, 5, 5, 1, 2, 2)),
		chain(c("branch3x3dbl_1", 64, 1, 1, 1, 0, 0), c("branch3x3dbl_2", 96, 3, 3, 1, 1, 1), c("branch3x3dbl_3", 96, 3, 3, 1, 1, 1)),
		chain(pool3x3s1, c("branch_pool", param, 1, 1, 1, 0, 0)),
	}}
	inceptionB = blockKind{[]branch{
		leaf(c("branch3x3", 384, 3, 3, 2, 0, 0)),
		chain(c("branch3x3dbl_1", 64, 1, 1, 1, 0, 0), c("branch3x3dbl_2", 96, 3, 3, 1, 1, 1), c("branch3x3dbl_3", 96, 3, 3, 2, 0, 0)),
		leaf(max3x3s2),
	}}
	inceptionC = blockKind{[]branch{
		leaf(c("branch1x1", 192, 1, 1, 1, 0, 0)),
		chain(c("branch7x7_1", param, 1, 1, 1, 0, 0), c("branch7x7_2", param, 1, 7, 1, 0, 3), c("branch7x7_3", 192, 7, 1, 1, 3, 0)),
		chain(c("branch7x7dbl_1", param, 1, 1, 1, 0, 0), c("branch7x7dbl_2", param, 7, 1, 1, 3, 0), c("branch7x7dbl_3", param, 1, 7, 1, 0, 3),
			c("branch7x7dbl_4", param, 7, 1, 1, 3, 0), c("branch7x7dbl_5", 192, 1, 7, 1, 0, 3)),
		chain(pool3x3s1, c("branch_pool", 192, 1, 1, 1, 0, 0)),
	}}
	inceptionD = blockKind{[]branch{
		chain(c("branch3x3_1", 192, 1, 1, 1, 0, 0), c("branch3x3_2", 320, 3, 3, 2, 0, 0)),
		chain(c("branch7x7x3_1", 192, 1, 1, 1, 0, 0), c("branch7x7x3_2", 192, 1, 7, 1, 0, 3), c("branch7x7x3_3", 192, 7, 1, 1, 3, 0),
			c("branch7x7x3_4", 192, 3, 3, 2, 0, 0)),
		leaf(max3x3s2),
	}}
	inceptionE = blockKind{[]branch{
		leaf(c("branch1x1", 320, 1, 1, 1, 0, 0)),
		split([]layer{c("branch3x3_1", 384, 1, 1, 1, 0, 0)},
			c("branch3x3_2a", 384, 1, 3, 1, 0, 1), c("branch3x3_2b", 384, 3, 1, 1, 1, 0)),
		split([]layer{c("branch3x3dbl_1", 448, 1, 1, 1, 0, 0), c("branch3x3dbl_2", 384, 3, 3, 1, 1, 1)},
			c("branch3x3dbl_3a", 384, 1, 3, 1, 0, 1), c("branch3x3dbl_3b", 384, 3, 1, 1, 1, 0)),
		chain(pool3x3s1, c("branch_pool", 192, 1, 1, 1, 0, 0)),
	}}
)

func single(l layer) blockKind { return blockKind{[]branch{leaf(l)}} }

// block is one step of the network: torchvision's module name, its kind and the kind's parameter.
type block struct {
	name  string
	kind  blockKind
	param int
}

// blocks is torchvision's Inception3.forward up to the global average pool.
var blocks = []block{
	{"Conv2d_1a_3x3", single(c("", 32, 3, 3, 2, 0, 0)), 0},
	{"Conv2d_2a_3x3", single(c("", 32, 3, 3, 1, 0, 0)), 0},
	{"Conv2d_2b_3x3", single(c("", 64, 3, 3, 1, 1, 1)), 0},
	{"maxpool1", single(max3x3s2), 0},
	{"Conv2d_3b_1x1", single(c("", 80, 1, 1, 1, 0, 0)), 0},
	{"Conv2d_4a_3x3", single(c("", 192, 3, 3, 1, 0, 0)), 0},
	{"maxpool2", single(max3x3s2), 0},
	{"Mixed_5b", inceptionA, 32},
	{"Mixed_5c", inceptionA, 64},
	{"Mixed_5d", inceptionA, 64},
	{"Mixed_6a", inceptionB, 0},
	{"Mixed_6b", inceptionC, 128},
	{"Mixed_6c", inceptionC, 160},
	{"Mixed_6d", inceptionC, 160},
	{"Mixed_6e", inceptionC, 192},
	{"Mixed_7a", inceptionD, 0},
	{"Mixed_7b", inceptionE, 0},
	{"Mixed_7c", inceptionE, 0},
}

// Network-wide constants of torchvision's inception_v3.
const (
	InputSize    = 299
	Features     = 2048 // channels into the classifier
	Classes      = 1000
	BatchNormEps = 0.001
)
