package torch

import (
	"encoding/binary"
	"fmt"
	"math/big"

	"inceptionweb/weights/safetensors"
)

// legacyMagic is the number torch.save's legacy format pickles first.
var legacyMagic, _ = new(big.Int).SetString("1950a86a20f9469cfc6c", 16)

const legacyProtocolVersion = 1001

// readLegacy reads the format torch.save wrote before PyTorch 1.6 (and with
// _use_new_zipfile_serialization=False): five pickles in a row (the magic
// number, the protocol version, a sys_info dict, the object, the list of
// storage keys), then each storage as a little-endian u64 element count and
// its raw little-endian bytes, in the order of that list.
func readLegacy(data []byte) ([]safetensors.Tensor, error) {
	noPersistent := func(any) (any, error) { return nil, fmt.Errorf("unexpected persistent id") }

	magic, pos, err := unpickle(data, 0, noPersistent)
	if err != nil {
		return nil, fmt.Errorf("not a PyTorch file: %w", err)
	}
	if m, ok := magic.(*big.Int); !ok || m.Cmp(legacyMagic) != 0 {
		return nil, fmt.Errorf("not a PyTorch file: the first pickle is %s, not torch's magic number", describe(magic))
	}
	version, pos, err := unpickle(data, pos, noPersistent)
	if err != nil {
		return nil, fmt.Errorf("protocol version: %w", err)
	}
	if version != int64(legacyProtocolVersion) {
		return nil, fmt.Errorf("protocol version %s is not supported, want %d", describe(version), legacyProtocolVersion)
	}
	// sys_info records the writer's byte order, but storages are always
	// written little-endian, so torch.load ignores it, and so does this.
	sysInfo, pos, err := unpickle(data, pos, noPersistent)
	if err != nil {
		return nil, fmt.Errorf("sys_info: %w", err)
	}
	if _, ok := sysInfo.(*dict); !ok {
		return nil, fmt.Errorf("sys_info is a %s, want a dict", typeName(sysInfo))
	}

	roots := map[string]*storageRef{}
	persistentLoad := func(pid any) (any, error) {
		dtype, key, numel, rest, err := parseStoragePID(pid)
		if err != nil {
			return nil, err
		}
		if len(rest) != 1 {
			return nil, fmt.Errorf("storage %q: persistent id has %d fields, want 6", key, 5+len(rest))
		}
		root := roots[key]
		if root == nil {
			root = &storageRef{key: key, dtype: dtype, elemSize: safetensors.DTypeSize(dtype), numel: numel}
			roots[key] = root
		} else if root.dtype != dtype || root.numel != numel {
			return nil, fmt.Errorf("storage %q is named as %d %s elements and as %d %s elements", key, root.numel, root.dtype, numel, dtype)
		}
		if rest[0] == nil {
			return root, nil
		}
		// A view: (view_key, offset, size), in elements of the root.
		view, ok := rest[0].(tuple)
		if !ok || len(view) != 3 {
			return nil, fmt.Errorf("storage %q: view metadata is a %s, want (key, offset, size)", key, typeName(rest[0]))
		}
		offset, ok1 := view[1].(int64)
		size, ok2 := view[2].(int64)
		if _, ok := view[0].(string); !ok || !ok1 || !ok2 || offset < 0 || size < 0 || offset > numel || size > numel-offset {
			return nil, fmt.Errorf("storage %q: view (%s, %s, %s) does not lie within its %d elements", key, describe(view[0]), describe(view[1]), describe(view[2]), numel)
		}
		return &storageRef{key: key, dtype: dtype, elemSize: root.elemSize, offset: offset, numel: size}, nil
	}
	top, pos, err := unpickle(data, pos, persistentLoad)
	if err != nil {
		return nil, fmt.Errorf("pickled object: %w", err)
	}
	sd, err := stateDict(top)
	if err != nil {
		return nil, err
	}

	keysVal, pos, err := unpickle(data, pos, noPersistent)
	if err != nil {
		return nil, fmt.Errorf("storage key list: %w", err)
	}
	keys, ok := keysVal.(*list)
	if !ok {
		return nil, fmt.Errorf("storage key list is a %s, want a list", typeName(keysVal))
	}
	loaded := map[string][]byte{}
	for _, k := range keys.items {
		key, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("storage key list holds a %s, want str", typeName(k))
		}
		root := roots[key]
		if root == nil {
			return nil, fmt.Errorf("storage %q is listed but no object refers to it", key)
		}
		if _, dup := loaded[key]; dup {
			return nil, fmt.Errorf("storage %q is listed twice", key)
		}
		if len(data)-pos < 8 {
			return nil, fmt.Errorf("storage %q: truncated: its element count needs 8 bytes at offset %d, %d left", key, pos, len(data)-pos)
		}
		count := binary.LittleEndian.Uint64(data[pos:])
		pos += 8
		if count != uint64(root.numel) {
			return nil, fmt.Errorf("storage %q: %d elements in the file, the pickle says %d", key, count, root.numel)
		}
		nbytes := root.numel * int64(root.elemSize)
		if nbytes > int64(len(data)-pos) {
			return nil, fmt.Errorf("storage %q: truncated: needs %d bytes at offset %d, %d left", key, nbytes, pos, len(data)-pos)
		}
		loaded[key] = data[pos : pos+int(nbytes) : pos+int(nbytes)]
		pos += int(nbytes)
	}
	if pos != len(data) {
		return nil, fmt.Errorf("%d bytes after the last storage", len(data)-pos)
	}

	storage := func(s *storageRef) ([]byte, error) {
		b, ok := loaded[s.key]
		if !ok {
			return nil, fmt.Errorf("missing storage %q: not in the file's storage list", s.key)
		}
		return b, nil
	}
	return tensors(sd, storage, false)
}
