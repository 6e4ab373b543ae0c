package model

import "inceptionweb/weights"

// OpenVerified is Open for a model file whose bytes the caller has matched by sha256 against a list of files
// that passed Open before (the page's models.json, or the person's own models, stored after conversion): the
// file's own digest is not computed again (see weights.ReadVerified). Everything else is checked as by Open.
func OpenVerified(name string, data []byte) (*Model, error) {
	return Backend{}.OpenVerified(name, data)
}

// OpenVerified is the package's OpenVerified for the kernel sets of b.
func (b Backend) OpenVerified(name string, data []byte) (*Model, error) {
	return b.openModelFile(name, data, weights.ReadVerified, false)
}

// OpenPartVerified is OpenPart for a file verified as OpenVerified's is (a worker that has just opened the same
// bytes builds its part without hashing them a second time).
func OpenPartVerified(name string, data []byte, part, parts int) (*Part, error) {
	return Backend{}.OpenPartVerified(name, data, part, parts)
}

// OpenPartVerified is the package's OpenPartVerified for the kernel sets of b.
func (b Backend) OpenPartVerified(name string, data []byte, part, parts int) (*Part, error) {
	mf, err := weights.ReadVerified(name, data)
	if err != nil {
		return nil, err
	}
	return b.openPart(name, mf, part, parts)
}
