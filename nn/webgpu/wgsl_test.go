package webgpu

import (
	"regexp"
	"strings"
	"testing"
)

// TestReplaceUpperWords checks the uniform-name scanner against the regular expression it replaces, on WGSL
// and on the edges of a word: underscores, digits, lower case, punctuation, the ends of the text.
func TestReplaceUpperWords(t *testing.T) {
	re := regexp.MustCompile(`\b[A-Z][A-Z0-9]*\b`)
	mark := func(w string) string { return "<" + w + ">" }
	code, _, _ := convWGSL(&place{h: 7, w: 5, c: 3, stride: 3}, &place{h: 7, w: 5, c: 8, stride: 8}, window{kh: 3, kw: 3, sh: 1, sw: 1, pt: 1, pl: 1}, activationWGSL(true, 0))
	for _, s := range []string{
		"", "A", "a", "AB1 xA Ax A_B _A A_ 1A A1 KH*KW+XC", "(XH-1)/SH,YC;OUT[i]=x.XS", "Ünicode ÄB AB€CD",
		"let k = KH * KW * XC;\nif (oc < YC && p < YH * YW) { y[YO + p * YS + oc] = acc; }",
		code,
	} {
		want := re.ReplaceAllStringFunc(s, mark)
		if got := replaceUpperWords(s, mark); got != want {
			t.Errorf("%q:\n got %q\nwant %q", s, got, want)
		}
	}
	if !strings.Contains(code, "p.") {
		t.Errorf("the convolution's shader reads no uniform: %q", code)
	}
}
