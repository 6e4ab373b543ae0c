// Package torch reads PyTorch state_dict files written by torch.save, in
// both the zip format (PyTorch 1.6 and later) and the legacy format, without
// a general unpickler: only the pickle opcodes and the few globals a
// state_dict needs are understood, and anything else is refused.
package torch

import (
	"bytes"
	"errors"
	"fmt"

	"inceptionweb/internal/limits"
	"inceptionweb/weights/safetensors"
)

// Errors a caller may want to tell apart; sizes over internal/limits wrap limits.ErrTooLarge.
var (
	ErrNotTorch    = errors.New("not a PyTorch file")
	ErrUnsupported = errors.New("unsupported PyTorch file")
)

// ReadStateDict returns the tensors of a state_dict saved with torch.save,
// in the file's order. A checkpoint dict that holds the state_dict under
// "state_dict" or "model" is also accepted. Each tensor's DType is a
// safetensors dtype name and its Data is little-endian and row-major; the
// Data of a contiguous little-endian tensor aliases data.
func ReadStateDict(data []byte) ([]safetensors.Tensor, error) {
	var (
		ts  []safetensors.Tensor
		err error
	)
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		ts, err = readZip(data)
	case len(data) > 0 && data[0] == opProto:
		ts, err = readLegacy(data)
	case len(data) >= 262 && string(data[257:262]) == "ustar":
		err = fmt.Errorf("%w: the tar format of PyTorch before 0.4", ErrUnsupported)
	default:
		err = fmt.Errorf("%w: neither a zip archive nor a legacy torch.save pickle", ErrNotTorch)
	}
	if err != nil {
		return nil, fmt.Errorf("torch: %w", err)
	}
	return ts, nil
}

// stateDict finds the state_dict in the file's top-level object: the object
// itself when it maps names to tensors, or a checkpoint's "state_dict" or
// "model" entry.
func stateDict(top any) (*dict, error) {
	d, ok := top.(*dict)
	if !ok {
		return nil, fmt.Errorf("the file holds a %s, want a state_dict (a dict of tensors)", typeName(top))
	}
	why := isStateDict(d)
	if why == nil {
		return d, nil
	}
	for _, key := range []string{"state_dict", "model"} {
		if v, ok := d.get(key); ok {
			if inner, ok := v.(*dict); ok && isStateDict(inner) == nil {
				return inner, nil
			}
		}
	}
	return nil, fmt.Errorf("not a state_dict: %v, and no \"state_dict\" or \"model\" entry holds one", why)
}

// isStateDict reports why d is not a dict of named tensors, or nil if it is.
func isStateDict(d *dict) error {
	for i, k := range d.keys {
		if _, ok := k.(string); !ok {
			return fmt.Errorf("key %v is a %s, not a name", k, typeName(k))
		}
		if _, ok := d.vals[i].(*tensorRef); !ok {
			return fmt.Errorf("entry %q is a %s, not a tensor", k, typeName(d.vals[i]))
		}
	}
	return nil
}

// tensors materialises every entry of a state_dict. storage returns the
// bytes of the root storage with the given key.
func tensors(sd *dict, storage func(s *storageRef) ([]byte, error), bigEndian bool) ([]safetensors.Tensor, error) {
	if err := limits.CheckCount("the number of tensors", int64(len(sd.keys)), limits.Tensors); err != nil {
		return nil, err
	}
	out := make([]safetensors.Tensor, 0, len(sd.keys))
	var copied int64 // views that are not contiguous are copied: many views of one storage must not multiply it
	for i, k := range sd.keys {
		name := k.(string)
		t := sd.vals[i].(*tensorRef)
		b, err := storage(t.storage)
		if err != nil {
			return nil, fmt.Errorf("tensor %q: %w", name, err)
		}
		if err := limits.CheckCount(fmt.Sprintf("tensor %q's rank", name), int64(len(t.size)), limits.TensorRank); err != nil {
			return nil, err
		}
		st, n, err := materialise(name, t, b, bigEndian, limits.TotalTensorBytes-copied)
		if err != nil {
			return nil, err
		}
		copied += n
		out = append(out, st)
	}
	return out, nil
}
