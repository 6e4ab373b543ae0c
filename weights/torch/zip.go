package torch

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"

	"inceptionweb/internal/limits"
	"inceptionweb/weights/safetensors"
)

// readZip reads torch.save's zip format: <prefix>/data.pkl holds the
// pickled state_dict, <prefix>/data/<key> each storage's raw bytes, and the
// optional <prefix>/byteorder their byte order ("little" when absent).
func readZip(data []byte) ([]safetensors.Tensor, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("not a readable zip archive (truncated?): %v", err)
	}
	if err := limits.CheckCount("the number of zip entries", int64(len(zr.File)), limits.Tensors+16); err != nil {
		return nil, err
	}
	entries := map[string]*zip.File{}
	var prefix string
	for _, f := range zr.File {
		if entries[f.Name] != nil {
			return nil, fmt.Errorf("zip entry %s appears twice", f.Name)
		}
		entries[f.Name] = f
		dir, base, ok := strings.Cut(f.Name, "/")
		if ok && dir != "" && base == "data.pkl" {
			if prefix != "" {
				return nil, fmt.Errorf("zip archive holds both %s/data.pkl and %s", prefix, f.Name)
			}
			prefix = dir
		}
	}
	if prefix == "" {
		for name := range entries {
			if strings.HasSuffix(name, "/constants.pkl") {
				return nil, fmt.Errorf("%w: a TorchScript archive (torch.jit.save) is not a state_dict", ErrUnsupported)
			}
		}
		return nil, fmt.Errorf("%w: zip archive has no <folder>/data.pkl entry: not a torch.save file", ErrNotTorch)
	}

	bigEndian := false
	if f := entries[prefix+"/byteorder"]; f != nil {
		b, err := entryBytes(data, f, 16)
		if err != nil {
			return nil, err
		}
		switch string(b) {
		case "little":
		case "big":
			bigEndian = true
		default:
			return nil, fmt.Errorf("zip entry %s: unknown byte order %q", f.Name, b)
		}
	}

	pkl, err := entryBytes(data, entries[prefix+"/data.pkl"], limits.PickleBytes)
	if err != nil {
		return nil, err
	}
	storages := map[string]*storageRef{}
	persistentLoad := func(pid any) (any, error) {
		dtype, key, numel, rest, err := parseStoragePID(pid)
		if err != nil {
			return nil, err
		}
		if len(rest) != 0 {
			return nil, fmt.Errorf("storage %q: persistent id has %d fields, want 5", key, 5+len(rest))
		}
		if s := storages[key]; s != nil {
			if s.dtype != dtype || s.numel != numel {
				return nil, fmt.Errorf("storage %q is named as %d %s elements and as %d %s elements", key, s.numel, s.dtype, numel, dtype)
			}
			return s, nil
		}
		s := &storageRef{key: key, dtype: dtype, elemSize: safetensors.DTypeSize(dtype), numel: numel}
		storages[key] = s
		return s, nil
	}
	top, end, err := unpickle(pkl, 0, persistentLoad)
	if err != nil {
		return nil, fmt.Errorf("%s/data.pkl: %w", prefix, err)
	}
	if end != len(pkl) {
		return nil, fmt.Errorf("%s/data.pkl: %d bytes after the pickle's end", prefix, len(pkl)-end)
	}
	sd, err := stateDict(top)
	if err != nil {
		return nil, err
	}

	loaded := map[string][]byte{}
	var inflated int64 // bytes inflated so far
	storage := func(s *storageRef) ([]byte, error) {
		if b, ok := loaded[s.key]; ok {
			return b, nil
		}
		want := s.numel * int64(s.elemSize)
		if err := limits.Check(fmt.Sprintf("storage %q", s.key), want, limits.TensorBytes); err != nil {
			return nil, err
		}
		name := prefix + "/data/" + s.key
		f := entries[name]
		if f == nil {
			return nil, fmt.Errorf("missing storage %q: no zip entry %s", s.key, name)
		}
		b, err := entryBytes(data, f, limits.TensorBytes)
		if err != nil {
			return nil, err
		}
		if inflated += int64(len(b)); inflated > limits.TotalTensorBytes {
			return nil, limits.Check("the inflated storages", inflated, limits.TotalTensorBytes)
		}
		if int64(len(b)) != want {
			return nil, fmt.Errorf("storage %q: zip entry %s holds %d bytes, want %d (%d elements of %s)", s.key, name, len(b), want, s.numel, s.dtype)
		}
		loaded[s.key] = b
		return b, nil
	}
	return tensors(sd, storage, bigEndian)
}

// entryBytes returns the contents of a zip entry of at most limit bytes. A
// stored (uncompressed) entry, which is what torch.save writes, aliases data;
// its checksum is verified either way. A compressed entry is refused before
// it is inflated when it says it is over limit or inflates more than
// limits.ZipRatio times, and it is never inflated past the size it says.
func entryBytes(data []byte, f *zip.File, limit int64) ([]byte, error) {
	size := f.UncompressedSize64
	if size > uint64(limit) {
		return nil, fmt.Errorf("%w: zip entry %s holds %s, the limit is %s", limits.ErrTooLarge, f.Name, limits.Bytes(int64(min(size, 1<<62))), limits.Bytes(limit))
	}
	if f.Method == zip.Store && f.CompressedSize64 == f.UncompressedSize64 {
		off, err := f.DataOffset()
		if err != nil {
			return nil, fmt.Errorf("zip entry %s: %v", f.Name, err)
		}
		if off < 0 || off > int64(len(data)) || f.CompressedSize64 > uint64(int64(len(data))-off) {
			return nil, fmt.Errorf("zip entry %s: truncated: %d bytes at offset %d, the file has %d", f.Name, f.CompressedSize64, off, len(data))
		}
		b := data[off : off+int64(f.CompressedSize64) : off+int64(f.CompressedSize64)]
		if crc32.ChecksumIEEE(b) != f.CRC32 {
			return nil, fmt.Errorf("zip entry %s: checksum mismatch (corrupt file)", f.Name)
		}
		return b, nil
	}
	if size > limits.ZipSmallBytes && size/limits.ZipRatio > f.CompressedSize64 {
		return nil, fmt.Errorf("%w: zip entry %s inflates %d bytes to %s, more than %d times (a zip bomb?)", limits.ErrTooLarge, f.Name, f.CompressedSize64, limits.Bytes(int64(size)), limits.ZipRatio)
	}
	r, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("zip entry %s: %v", f.Name, err)
	}
	defer r.Close()
	b := make([]byte, size)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("zip entry %s: %v", f.Name, err)
	}
	// archive/zip reports an entry longer than its header says, and a checksum mismatch, at its end.
	if n, err := r.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		return nil, fmt.Errorf("zip entry %s: longer than its header says, or corrupt (%v)", f.Name, err)
	}
	return b, nil
}
