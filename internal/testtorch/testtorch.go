// Package testtorch writes PyTorch state_dict files as torch.save does (its zip format), so that tests can
// hand the product a .pth file without python3-torch: the torchvision InceptionV3 with the deterministic weights
// of the parity tests (nn/inceptionv3.SyntheticParam), the same size as the official file.
package testtorch

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"

	"inceptionweb/nn/inceptionv3"
	"inceptionweb/weights/safetensors"
)

// storageTypes are torch's storage classes of the dtypes written here.
var storageTypes = map[string]string{"F32": "FloatStorage", "F16": "HalfStorage", "I64": "LongStorage"}

// WriteZip writes tensors as torch.save(state_dict) does: a zip archive, stored uncompressed, with the pickled
// OrderedDict in archive/data.pkl and each tensor's storage in archive/data/<key>.
func WriteZip(w io.Writer, tensors []safetensors.Tensor) error {
	zw := zip.NewWriter(w)
	add := func(name string, data []byte) error {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: "archive/" + name, Method: zip.Store})
		if err != nil {
			return err
		}
		_, err = f.Write(data)
		return err
	}
	pkl, err := statePickle(tensors)
	if err != nil {
		return err
	}
	if err := add("data.pkl", pkl); err != nil {
		return err
	}
	if err := add("byteorder", []byte("little")); err != nil {
		return err
	}
	for i, t := range tensors {
		if err := add("data/"+strconv.Itoa(i), t.Data); err != nil {
			return err
		}
	}
	if err := add("version", []byte("3\n")); err != nil {
		return err
	}
	return zw.Close()
}

// statePickle pickles (protocol 2) an OrderedDict from each tensor's name to
// torch._utils._rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict()), storage i holding tensor i.
func statePickle(tensors []safetensors.Tensor) ([]byte, error) {
	var p pickler
	p.op(0x80, 2).global("collections", "OrderedDict").op(')', 'R', '(')
	for i, t := range tensors {
		st, ok := storageTypes[t.DType]
		if !ok {
			return nil, fmt.Errorf("testtorch: %s: dtype %s", t.Name, t.DType)
		}
		numel := 1
		for _, d := range t.Shape {
			numel *= d
		}
		if size := safetensors.DTypeSize(t.DType); len(t.Data) != numel*size {
			return nil, fmt.Errorf("testtorch: %s: %d bytes for shape %v", t.Name, len(t.Data), t.Shape)
		}
		stride := make([]int, len(t.Shape))
		for d, s := len(t.Shape)-1, 1; d >= 0; d-- {
			stride[d] = s
			s *= t.Shape[d]
		}
		p.str(t.Name).global("torch._utils", "_rebuild_tensor_v2").op('(')
		p.op('(').str("storage").global("torch", st).str(strconv.Itoa(i)).str("cpu").int(numel).op('t', 'Q')
		p.int(0).ints(t.Shape).ints(stride)
		p.op(0x89).global("collections", "OrderedDict").op(')', 'R') // requires_grad False, no backward hooks
		p.op('t', 'R')
	}
	p.op('u', '.')
	return p.Bytes(), nil
}

// pickler writes pickle opcodes.
type pickler struct{ bytes.Buffer }

func (p *pickler) op(b ...byte) *pickler { p.Write(b); return p }

func (p *pickler) str(s string) *pickler { // BINUNICODE
	p.WriteByte('X')
	binary.Write(p, binary.LittleEndian, uint32(len(s)))
	p.WriteString(s)
	return p
}

func (p *pickler) int(v int) *pickler { // BININT
	p.WriteByte('J')
	binary.Write(p, binary.LittleEndian, int32(v))
	return p
}

func (p *pickler) global(module, name string) *pickler {
	p.WriteByte('c')
	p.WriteString(module + "\n" + name + "\n")
	return p
}

func (p *pickler) ints(vs []int) *pickler {
	p.op('(')
	for _, v := range vs {
		p.int(v)
	}
	return p.op('t')
}

// InceptionV3 is torchvision's inception_v3 state_dict, in its order of layers, with the deterministic test
// weights: every convolution's weight and batch norm (with num_batches_tracked), the auxiliary classifier
// (AuxLogits, which inference does not use) and fc, as torchvision saves them. About 109 MB of tensors, as
// the official inception_v3_google-0cc3c7bd.pth.
func InceptionV3() []safetensors.Tensor {
	var out []safetensors.Tensor
	add := func(name string, shape []int) {
		out = append(out, safetensors.FromFloat32(name, shape, inceptionv3.SyntheticParam(name, shape)))
	}
	conv := func(layer string, inC, outC, kh, kw int) {
		add(layer+".conv.weight", []int{outC, inC, kh, kw})
		for _, s := range []string{"weight", "bias", "running_mean", "running_var"} {
			add(layer+".bn."+s, []int{outC})
		}
		out = append(out, safetensors.Tensor{Name: layer + ".bn.num_batches_tracked", DType: "I64", Shape: []int{},
			Data: binary.LittleEndian.AppendUint64(nil, 0)})
	}
	specs := inceptionv3.ParamSpecs(inceptionv3.Config{})
	aux := false
	for _, s := range specs {
		if len(s.Shape) != 4 { // batch norm comes with its convolution, fc last
			continue
		}
		// The auxiliary classifier sits where torchvision has it: after Mixed_6e, before Mixed_7a.
		if strings.HasPrefix(s.Name, "Mixed_7a.") && !aux {
			conv("AuxLogits.conv0", 768, 128, 1, 1)
			conv("AuxLogits.conv1", 128, 768, 5, 5)
			add("AuxLogits.fc.weight", []int{inceptionv3.Classes, 768})
			add("AuxLogits.fc.bias", []int{inceptionv3.Classes})
			aux = true
		}
		conv(strings.TrimSuffix(s.Name, ".conv.weight"), s.Shape[1], s.Shape[0], s.Shape[2], s.Shape[3])
	}
	add("fc.weight", []int{inceptionv3.Classes, inceptionv3.Features})
	add("fc.bias", []int{inceptionv3.Classes})
	return out
}

// InceptionV3Zip is InceptionV3 written by WriteZip.
func InceptionV3Zip() ([]byte, error) {
	var buf bytes.Buffer
	err := WriteZip(&buf, InceptionV3())
	return buf.Bytes(), err
}
