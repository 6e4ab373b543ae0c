package torch

import (
	"fmt"
	"math"
)

// storageRef is a storage (or, in the legacy format, a view into one) named
// by a persistent id. Its bytes live elsewhere in the file, under key.
type storageRef struct {
	key      string // the root storage's key
	dtype    string // safetensors dtype name
	elemSize int
	offset   int64 // first element of this view within the root storage
	numel    int64 // elements in this view
}

// tensorRef is a tensor as _rebuild_tensor_v2 describes it: a strided view
// of a storage.
type tensorRef struct {
	storage *storageRef
	offset  int64
	size    []int64
	stride  []int64
}

// maxStorageElements bounds a storage's element count so that its size in
// bytes cannot overflow an int64.
const maxStorageElements = 1 << 56

// parseStoragePID checks the start of a persistent id,
// ('storage', storage_type, key, location, numel, ...), and returns the
// storage's dtype, key and element count, and the remaining fields.
func parseStoragePID(pid any) (dtype, key string, numel int64, rest tuple, err error) {
	t, ok := pid.(tuple)
	if !ok || len(t) < 5 {
		return "", "", 0, nil, fmt.Errorf("persistent id is a %s, want a ('storage', type, key, location, numel) tuple", typeName(pid))
	}
	if kind, _ := t[0].(string); kind != "storage" {
		return "", "", 0, nil, fmt.Errorf("persistent id of kind %s is not supported, want 'storage'", describe(t[0]))
	}
	g, ok := t[1].(global)
	if !ok {
		return "", "", 0, nil, fmt.Errorf("persistent id: storage type is a %s", typeName(t[1]))
	}
	dtype, ok = storageDTypes[g.name]
	if !ok || g.module != "torch" {
		return "", "", 0, nil, fmt.Errorf("persistent id: unsupported storage type %s.%s", g.module, g.name)
	}
	key, ok = t[2].(string)
	if !ok {
		return "", "", 0, nil, fmt.Errorf("persistent id: storage key is a %s, want a str", typeName(t[2]))
	}
	if _, ok := t[3].(string); !ok {
		return "", "", 0, nil, fmt.Errorf("storage %q: location is a %s, want a str", key, typeName(t[3]))
	}
	numel, ok = t[4].(int64)
	if !ok || numel < 0 || numel > maxStorageElements {
		return "", "", 0, nil, fmt.Errorf("storage %q: element count %s is not an int in [0, 2^56]", key, describe(t[4]))
	}
	return dtype, key, numel, t[5:], nil
}

// call builds the object an allowed global returns for the given arguments.
func call(g global, args tuple) (any, error) {
	name := g.module + "." + g.name
	switch name {
	case "collections.OrderedDict":
		if len(args) != 0 {
			return nil, fmt.Errorf("%s with %d arguments is not supported", name, len(args))
		}
		return newDict(), nil
	case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor":
		// (storage, storage_offset, size, stride[, requires_grad, backward_hooks[, metadata]])
		if len(args) < 4 || len(args) > 7 {
			return nil, fmt.Errorf("%s with %d arguments, want 4 to 7", name, len(args))
		}
		return rebuildTensor(args)
	case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
		// (data, requires_grad, backward_hooks[, state]): a parameter is its data.
		if len(args) < 3 || len(args) > 4 {
			return nil, fmt.Errorf("%s with %d arguments, want 3 or 4", name, len(args))
		}
		t, ok := args[0].(*tensorRef)
		if !ok {
			return nil, fmt.Errorf("%s of a %s, want a tensor", name, typeName(args[0]))
		}
		return t, nil
	case "torch.Size":
		if len(args) != 1 {
			return nil, fmt.Errorf("%s with %d arguments, want 1", name, len(args))
		}
		dims, ok := args[0].(tuple)
		if !ok {
			return nil, fmt.Errorf("%s of a %s, want a tuple", name, typeName(args[0]))
		}
		return dims, nil
	}
	return nil, fmt.Errorf("%s cannot be called", name)
}

func rebuildTensor(args tuple) (*tensorRef, error) {
	s, ok := args[0].(*storageRef)
	if !ok {
		return nil, fmt.Errorf("tensor storage is a %s, want a storage", typeName(args[0]))
	}
	offset, ok := args[1].(int64)
	if !ok || offset < 0 {
		return nil, fmt.Errorf("tensor in storage %q: storage offset %s is not a non-negative int", s.key, describe(args[1]))
	}
	size, err := intTuple(args[2])
	if err != nil {
		return nil, fmt.Errorf("tensor in storage %q: size: %v", s.key, err)
	}
	stride, err := intTuple(args[3])
	if err != nil {
		return nil, fmt.Errorf("tensor in storage %q: stride: %v", s.key, err)
	}
	if len(size) != len(stride) {
		return nil, fmt.Errorf("tensor in storage %q: size %v and stride %v differ in length", s.key, size, stride)
	}
	return &tensorRef{storage: s, offset: offset, size: size, stride: stride}, nil
}

// intTuple converts a tuple of non-negative ints below 2^31.
func intTuple(v any) ([]int64, error) {
	t, ok := v.(tuple)
	if !ok {
		return nil, fmt.Errorf("a %s, want a tuple", typeName(v))
	}
	out := make([]int64, len(t))
	for i, x := range t {
		n, ok := x.(int64)
		if !ok || n < 0 || n > math.MaxInt32 {
			return nil, fmt.Errorf("element %d is %s, want an int in [0, 2^31)", i, describe(x))
		}
		out[i] = n
	}
	return out, nil
}
