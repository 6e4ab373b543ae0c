package webgpu

import (
	"fmt"
	"math"
	"strings"
)

// The shaders. A layer's shapes, strides and offsets are its uniforms (struct P, read as p.NAME), so the layers
// of one kind and activation share one pipeline: compiling a pipeline per layer took a minute for GoogLeNet on
// SwiftShader. Activations are NHWC float32 arrays; a tensor may be a channel slice of a wider one (a branch
// written straight into its concatenation), so every access goes through a pixel stride and a channel offset.

// workgroup is the size of the one-dimensional workgroups of the element-wise shaders.
const workgroup = 64

// shader is a shader's body being written and its uniforms.
type shader struct {
	strings.Builder
	fields []string // "NAME: type"
	values []uint32
}

// consts adds uniforms, in order, from name/value pairs (u32 unless the value is an int32, then i32; float32
// as f32).
func consts(s *shader, kv ...any) {
	for i := 0; i < len(kv); i += 2 {
		name := kv[i].(string)
		switch v := kv[i+1].(type) {
		case int:
			s.fields, s.values = append(s.fields, name+": u32"), append(s.values, uint32(v))
		case int32:
			s.fields, s.values = append(s.fields, name+": i32"), append(s.values, uint32(v))
		case float32:
			s.fields, s.values = append(s.fields, name+": f32"), append(s.values, math.Float32bits(v))
		default:
			panic(fmt.Sprintf("webgpu: uniform %v of type %T", kv[i], v))
		}
	}
}

// placeConsts adds a tensor's shape and layout under a prefix: <p>H, <p>W, <p>C, <p>S (floats from one pixel
// to the next), <p>O (the first channel's offset).
func placeConsts(s *shader, prefix string, p *place) {
	consts(s, prefix+"H", p.h, prefix+"W", p.w, prefix+"C", p.c, prefix+"S", p.stride, prefix+"O", p.off)
}

// replaceUpperWords returns s with f applied to each word of upper-case letters and digits that starts with a
// letter (the names uniforms have in a shader's body). Words are runs of ASCII letters, digits and '_'. Not a
// regular expression: this is the only one the page's program would otherwise link (~250 KB of wasm).
func replaceUpperWords(s string, f func(string) string) string {
	isWord := func(c byte) bool {
		return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if !isWord(s[i]) {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && isWord(s[j]) {
			j++
		}
		w := s[i:j]
		if w[0] >= 'A' && w[0] <= 'Z' && strings.Trim(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == "" {
			w = f(w)
		}
		b.WriteString(w)
		i = j
	}
	return b.String()
}

// done returns the shader's code, its uniforms bound after its storage buffers, and their values (padded to
// the 16 bytes a uniform buffer is made of).
func (s *shader) done(storage int) (code string, uniforms []uint32) {
	var b shader
	b.WriteString("struct P {\n")
	for _, f := range s.fields {
		fmt.Fprintf(&b, "\t%s,\n", f)
	}
	fmt.Fprintf(&b, "};\n@group(0) @binding(%d) var<uniform> p: P;\n", storage)
	names := map[string]bool{}
	for _, f := range s.fields {
		names[f[:strings.Index(f, ":")]] = true
	}
	b.WriteString(replaceUpperWords(s.String(), func(w string) string {
		if names[w] {
			return "p." + w
		}
		return w
	}))
	uniforms = append(s.values, make([]uint32, (4-len(s.values)%4)%4)...)
	return b.String(), uniforms
}

// activationWGSL is the body of act(v), the fused activation on four values.
func activationWGSL(relu bool, clip float32) string {
	switch {
	case relu && clip > 0:
		return fmt.Sprintf("return clamp(v, vec4<f32>(0.0), vec4<f32>(%g));", clip)
	case relu:
		return "return max(v, vec4<f32>(0.0));"
	}
	return "return v;"
}

const elementwiseHeader = `@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
`

// linearIndex is the invocation's index over workgroups laid out in rows of maxGroups.
const linearIndex = `	let i = gid.x + gid.y * nwg.x * 64u;
	if (i >= ITEMS) { return; }
`

const elementwiseMain = `@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
` + linearIndex

// Conv tile: TM output pixels by 4*TN4 output channels per workgroup of 8x8 invocations, each computing four
// pixels by four channels; the reduction runs KC inputs at a time through workgroup memory.
const (
	convTM  = 32
	convTN4 = 8
	convKC  = 16
)

// convWGSL is CONV_2D (and FULLY_CONNECTED, a 1x1 convolution of one pixel) as an implicit GEMM: M output
// pixels by N channels over K = KH*KW*C, the input's receptive fields read in place (zero outside the
// image). Bindings: x, y, the filter as [K][N4] vec4s (packKN), the bias as vec4s.
func convWGSL(x, y *place, win window, act string) (code string, uniforms []uint32, groups int) {
	var b shader
	placeConsts(&b, "X", x)
	placeConsts(&b, "Y", y)
	m, n4 := y.h*y.w, (y.c+3)/4
	mt, nt := (m+convTM-1)/convTM, (n4+convTN4-1)/convTN4
	consts(&b, "M", m, "N4", n4, "K", win.kh*win.kw*x.c, "KW", win.kw, "SH", win.sh, "SW", win.sw,
		"PT", int32(win.pt), "PL", int32(win.pl), "MT", mt, "NT", nt)
	fmt.Fprintf(&b, `@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> b: array<vec4<f32>>;
var<workgroup> xs: array<array<f32, %[1]d>, %[3]d>;
var<workgroup> ws: array<array<vec4<f32>, %[2]d>, %[3]d>;

fn act(v: vec4<f32>) -> vec4<f32> { %[4]s }

fn load_x(m: u32, k: u32) -> f32 {
	if (m >= M || k >= K) { return 0.0; }
	let ci = k %% XC;
	let t = k / XC;
	let iy = i32((m / YW) * SH + t / KW) - PT;
	let ix = i32((m %% YW) * SW + t %% KW) - PL;
	if (iy < 0 || iy >= i32(XH) || ix < 0 || ix >= i32(XW)) { return 0.0; }
	return x[(u32(iy) * XW + u32(ix)) * XS + XO + ci];
}

fn store(m: u32, n4: u32, v: vec4<f32>) {
	if (m >= M) { return; }
	let a = act(v);
	for (var j = 0u; j < 4u; j++) {
		let n = n4 * 4u + j;
		if (n < YC) { y[m * YS + YO + n] = a[j]; }
	}
}

@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
	@builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
	let tile = wg.x + wg.y * nwg.x;
	if (tile >= MT * NT) { return; }
	let m0 = (tile %% MT) * %[1]du;
	let n40 = (tile / MT) * %[2]du;
	let r = lid.y * 4u;
	var a0 = vec4<f32>(0.0);
	var a1 = vec4<f32>(0.0);
	var a2 = vec4<f32>(0.0);
	var a3 = vec4<f32>(0.0);
	for (var k0 = 0u; k0 < K; k0 += %[3]du) {
		for (var i = li; i < %[1]du * %[3]du; i += 64u) {
			xs[i %% %[3]du][i / %[3]du] = load_x(m0 + i / %[3]du, k0 + i %% %[3]du);
		}
		for (var i = li; i < %[2]du * %[3]du; i += 64u) {
			let k = k0 + i / %[2]du;
			let n4 = n40 + i %% %[2]du;
			var v = vec4<f32>(0.0);
			if (k < K && n4 < N4) { v = w[k * N4 + n4]; }
			ws[i / %[2]du][i %% %[2]du] = v;
		}
		workgroupBarrier();
		for (var kk = 0u; kk < %[3]du; kk++) {
			let wv = ws[kk][lid.x];
			a0 = fma(vec4<f32>(xs[kk][r]), wv, a0);
			a1 = fma(vec4<f32>(xs[kk][r + 1u]), wv, a1);
			a2 = fma(vec4<f32>(xs[kk][r + 2u]), wv, a2);
			a3 = fma(vec4<f32>(xs[kk][r + 3u]), wv, a3);
		}
		workgroupBarrier();
	}
	let n4 = n40 + lid.x;
	if (n4 >= N4) { return; }
	let bias = b[n4];
	store(m0 + r, n4, a0 + bias);
	store(m0 + r + 1u, n4, a1 + bias);
	store(m0 + r + 2u, n4, a2 + bias);
	store(m0 + r + 3u, n4, a3 + bias);
}
`, convTM, convTN4, convKC, act)
	code, uniforms = b.done(4)
	return code, uniforms, mt * nt
}

// depthwiseWGSL is DEPTHWISE_CONV_2D (multiplier 1), one invocation per output pixel and four channels.
// Bindings: x, y, the filter as [taps][C4] vec4s, the bias as vec4s.
func depthwiseWGSL(x, y *place, win window, act string) (code string, uniforms []uint32, items int) {
	var b shader
	placeConsts(&b, "X", x)
	placeConsts(&b, "Y", y)
	c4 := (x.c + 3) / 4
	items = y.h * y.w * c4
	consts(&b, "ITEMS", items, "C4", c4, "KH", win.kh, "KW", win.kw, "SH", win.sh, "SW", win.sw,
		"PT", int32(win.pt), "PL", int32(win.pl))
	fmt.Fprintf(&b, `@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> b: array<vec4<f32>>;

fn act(v: vec4<f32>) -> vec4<f32> { %s }

%s	let m = i / C4;
	let c4 = i %% C4;
	let oy = i32(m / YW) * i32(SH) - PT;
	let ox = i32(m %% YW) * i32(SW) - PL;
	var acc = b[c4];
	for (var ky = 0u; ky < KH; ky++) {
		let iy = oy + i32(ky);
		if (iy < 0 || iy >= i32(XH)) { continue; }
		for (var kx = 0u; kx < KW; kx++) {
			let ix = ox + i32(kx);
			if (ix < 0 || ix >= i32(XW)) { continue; }
			let base = (u32(iy) * XW + u32(ix)) * XS + XO + c4 * 4u;
			var v = vec4<f32>(0.0);
			for (var j = 0u; j < 4u; j++) {
				if (c4 * 4u + j < XC) { v[j] = x[base + j]; }
			}
			acc = fma(v, w[(ky * KW + kx) * C4 + c4], acc);
		}
	}
	let a = act(acc);
	for (var j = 0u; j < 4u; j++) {
		let c = c4 * 4u + j;
		if (c < YC) { y[m * YS + YO + c] = a[j]; }
	}
}
`, act, elementwiseMain)
	code, uniforms = b.done(4)
	return code, uniforms, items
}

// poolWGSL is MAX_POOL_2D or AVERAGE_POOL_2D, one invocation per output value. The average divides by the
// taps inside the image, or by the whole window with countPad (PyTorch's count_include_pad).
func poolWGSL(x, y *place, win window, isMax, countPad bool, act string) (code string, uniforms []uint32, items int) {
	var b shader
	placeConsts(&b, "X", x)
	placeConsts(&b, "Y", y)
	items = y.h * y.w * y.c
	consts(&b, "ITEMS", items, "KH", win.kh, "KW", win.kw, "SH", win.sh, "SW", win.sw,
		"PT", int32(win.pt), "PL", int32(win.pl))
	init, combine, finish := "0.0", "s = s + v;", "s = s * (1.0 / f32(n));"
	if isMax {
		init, combine, finish = "-3.4028234663852886e38", "s = max(s, v);", "" // -FLT_MAX: WGSL constants cannot be infinite
	} else if countPad {
		finish = "s = s * (1.0 / f32(KH * KW));"
	}
	fmt.Fprintf(&b, `%s
fn act(v: vec4<f32>) -> vec4<f32> { %s }

%s	let m = i / YC;
	let c = i %% YC;
	let oy = i32(m / YW) * i32(SH) - PT;
	let ox = i32(m %% YW) * i32(SW) - PL;
	var s: f32 = %s;
	var n = 0u;
	for (var iy = max(oy, 0); iy < min(oy + i32(KH), i32(XH)); iy++) {
		for (var ix = max(ox, 0); ix < min(ox + i32(KW), i32(XW)); ix++) {
			let v = x[(u32(iy) * XW + u32(ix)) * XS + XO + c];
			%s
			n++;
		}
	}
	%s
	y[m * YS + YO + c] = act(vec4<f32>(s)).x;
}
`, elementwiseHeader, act, elementwiseMain, init, combine, finish)
	code, uniforms = b.done(2)
	return code, uniforms, items
}

// lrnWGSL is Caffe's LRN across channels: y = x / (bias + alpha/size * sum of the window's squares)^beta.
func lrnWGSL(x, y *place, size int, alpha, beta, bias float32) (code string, uniforms []uint32, items int) {
	var b shader
	placeConsts(&b, "X", x)
	placeConsts(&b, "Y", y)
	items = y.h * y.w * y.c
	lo := (size - 1) / 2
	consts(&b, "ITEMS", items, "LO", int32(lo), "HI", int32(size-1-lo), "SCALE", alpha/float32(size), "BIAS", bias,
		"BETA", beta)
	power := "x[base + c] * pow(t, -BETA)"
	if beta == 0.75 {
		power = "x[base + c] * (inverseSqrt(t) * sqrt(inverseSqrt(t)))"
	}
	fmt.Fprintf(&b, `%s
%s	let m = i / YC;
	let c = i %% YC;
	let base = m * XS + XO;
	var s: f32 = 0.0;
	for (var k = max(i32(c) - LO, 0); k <= min(i32(c) + HI, i32(XC) - 1); k++) {
		let v = x[base + u32(k)];
		s = s + v * v;
	}
	let t = BIAS + SCALE * s;
	y[m * YS + YO + c] = %s;
}
`, elementwiseHeader, elementwiseMain, power)
	code, uniforms = b.done(2)
	return code, uniforms, items
}

// meanWGSL is the spatial MEAN, one invocation per channel.
func meanWGSL(x, y *place) (code string, uniforms []uint32, items int) {
	var b shader
	placeConsts(&b, "X", x)
	placeConsts(&b, "Y", y)
	items = x.c
	consts(&b, "ITEMS", items)
	fmt.Fprintf(&b, `%s
%s	var s: f32 = 0.0;
	for (var m = 0u; m < XH * XW; m++) {
		s = s + x[m * XS + XO + i];
	}
	y[YO + i] = s * (1.0 / f32(XH * XW));
}
`, elementwiseHeader, elementwiseMain)
	code, uniforms = b.done(2)
	return code, uniforms, items
}

// addWGSL is ADD of two tensors of one shape, with the fused activation. Bindings: a, b, y.
func addWGSL(a, bb, y *place, act string) (code string, uniforms []uint32, items int) {
	var b shader
	placeConsts(&b, "A", a)
	placeConsts(&b, "B", bb)
	placeConsts(&b, "Y", y)
	items = y.h * y.w * y.c
	consts(&b, "ITEMS", items)
	fmt.Fprintf(&b, `@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

fn act(v: vec4<f32>) -> vec4<f32> { %s }

%s	let m = i / YC;
	let c = i %% YC;
	y[m * YS + YO + c] = act(vec4<f32>(a[m * AS + AO + c] + b[m * BS + BO + c])).x;
}
`, act, elementwiseMain)
	code, uniforms = b.done(3)
	return code, uniforms, items
}

// copyWGSL copies a tensor into another place of the same shape (a concatenation's input that could not be
// written in place, a reshape).
func copyWGSL(x, y *place) (code string, uniforms []uint32, items int) {
	var b shader
	placeConsts(&b, "X", x)
	placeConsts(&b, "Y", y)
	items = y.h * y.w * y.c
	consts(&b, "ITEMS", items)
	fmt.Fprintf(&b, `%s
%s	let m = i / YC;
	let c = i %% YC;
	y[m * YS + YO + c] = x[m * XS + XO + c];
}
`, elementwiseHeader, elementwiseMain)
	code, uniforms = b.done(2)
	return code, uniforms, items
}
