// Reading and bounds-checking arguments at the N-API boundary. Every failure throws a JS TypeError
// (wrong JS type) or RangeError (right type, bad value) with a one-line message naming the field, e.g.
//   simulateSeed: N must be a positive integer, got -3
#pragma once

#include <napi.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace richscale::args {

// 2^53: the largest range in which every integer is exactly representable as a JS number.
inline constexpr double kMaxSafeInteger = 9007199254740991.0;

// A short human description of a JS value for error messages.
inline std::string Describe(const Napi::Value& v) {
  switch (v.Type()) {
    case napi_undefined:
      return "undefined";
    case napi_null:
      return "null";
    case napi_boolean:
      return v.As<Napi::Boolean>().Value() ? "true" : "false";
    case napi_number:
      return v.ToString().Utf8Value();  // JS formatting: -3, 1.5, NaN, Infinity
    case napi_string: {
      std::string s = v.As<Napi::String>().Utf8Value();
      if (s.size() > 40) s = s.substr(0, 40) + "...";
      return "the string '" + s + "'";
    }
    case napi_symbol:
      return "a symbol";
    case napi_bigint:
      return "a bigint";
    case napi_function:
      return "a function";
    default:
      break;
  }
  if (v.IsTypedArray()) {
    const auto ta = v.As<Napi::TypedArray>();
    const char* name = "TypedArray";
    switch (ta.TypedArrayType()) {
      case napi_float64_array: name = "Float64Array"; break;
      case napi_float32_array: name = "Float32Array"; break;
      case napi_int32_array: name = "Int32Array"; break;
      case napi_uint32_array: name = "Uint32Array"; break;
      case napi_uint8_array: name = "Uint8Array"; break;
      default: break;
    }
    return std::string("a ") + name + " of length " + std::to_string(ta.ElementLength());
  }
  if (v.IsArray()) return "an array of length " + std::to_string(v.As<Napi::Array>().Length());
  return "an object";
}

inline bool IsInteger(double x) { return std::isfinite(x) && x == std::floor(x); }

// Reads fields of one argument object; `ctx` prefixes every message (usually the function name).
class Reader {
 public:
  Reader(Napi::Env env, std::string ctx, const Napi::Value& value, const char* what = "args")
      : env_(env), ctx_(std::move(ctx)) {
    if (!value.IsObject() || value.IsArray() || value.IsFunction() || value.IsTypedArray()) {
      throw Napi::TypeError::New(env_, ctx_ + ": " + what + " must be an object, got " + Describe(value));
    }
    obj_ = value.As<Napi::Object>();
  }

  [[noreturn]] void TypeFail(const std::string& field, const std::string& expect, const Napi::Value& got) const {
    throw Napi::TypeError::New(env_, ctx_ + ": " + field + " must be " + expect + ", got " + Describe(got));
  }
  [[noreturn]] void RangeFail(const std::string& field, const std::string& expect, const Napi::Value& got) const {
    throw Napi::RangeError::New(env_, ctx_ + ": " + field + " must be " + expect + ", got " + Describe(got));
  }
  [[noreturn]] void Fail(const std::string& message) const {
    throw Napi::RangeError::New(env_, ctx_ + ": " + message);
  }

  Napi::Value Get(const char* field) const { return obj_.Get(field); }

  // An integer in [min, max]; `expect` words the requirement ("a positive integer").
  int64_t Integer(const char* field, double min, double max, const std::string& expect) const {
    const Napi::Value v = Get(field);
    if (!v.IsNumber()) TypeFail(field, expect, v);
    const double x = v.As<Napi::Number>().DoubleValue();
    if (!IsInteger(x) || x < min || x > max) RangeFail(field, expect, v);
    return static_cast<int64_t>(x);
  }

  // A positive integer ≤ max, or Infinity (returned as -1).
  int64_t CountOrInfinity(const char* field, double max) const {
    const std::string expect = "a positive integer or Infinity";
    const Napi::Value v = Get(field);
    if (!v.IsNumber()) TypeFail(field, expect, v);
    const double x = v.As<Napi::Number>().DoubleValue();
    if (x == INFINITY) return -1;
    if (!IsInteger(x) || x < 1) RangeFail(field, expect, v);
    if (x > max) {
      RangeFail(field, "at most " + Napi::Number::New(env_, max).ToString().Utf8Value() + " (or Infinity)", v);
    }
    return static_cast<int64_t>(x);
  }

  // A finite number x with x >= min (or x > min when `strict`).
  double Finite(const char* field, double min, bool strict, const std::string& expect) const {
    const Napi::Value v = Get(field);
    if (!v.IsNumber()) TypeFail(field, expect, v);
    const double x = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(x) || x < min || (strict && x == min)) RangeFail(field, expect, v);
    return x;
  }

  // One of the given strings; returns its index.
  size_t Enum(const char* field, std::initializer_list<const char*> choices) const {
    std::string expect;
    for (const char* c : choices) expect += (expect.empty() ? "'" : " | '") + std::string(c) + "'";
    const Napi::Value v = Get(field);
    if (!v.IsString()) TypeFail(field, expect, v);
    const std::string s = v.As<Napi::String>().Utf8Value();
    size_t i = 0;
    for (const char* c : choices) {
      if (s == c) return i;
      ++i;
    }
    RangeFail(field, expect, v);
  }

  // True when the field is absent (undefined): optional fields then take their defaults.
  bool Absent(const char* field) const { return Get(field).IsUndefined(); }

  bool Bool(const char* field) const {
    const Napi::Value v = Get(field);
    if (!v.IsBoolean()) TypeFail(field, "a boolean", v);
    return v.As<Napi::Boolean>().Value();
  }

  // A Float64Array copied into a vector (on the main thread, so later GC or mutation cannot matter).
  // expectedLength < 0: any length. requireFinite: every element finite.
  std::vector<double> Float64Array(const char* field, int64_t expectedLength, bool requireFinite) const {
    const Napi::Value v = Get(field);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
      TypeFail(field, "a Float64Array", v);
    }
    const auto arr = v.As<Napi::Float64Array>();
    const size_t n = arr.ElementLength();
    if (expectedLength >= 0 && n != static_cast<size_t>(expectedLength)) {
      RangeFail(field, "a Float64Array of length " + std::to_string(expectedLength), v);
    }
    const double* data = arr.Data();
    std::vector<double> out(data, data + n);
    if (requireFinite) {
      for (size_t i = 0; i < n; ++i) {
        if (!std::isfinite(out[i])) {
          Fail(std::string(field) + "[" + std::to_string(i) + "] must be finite, got " +
               Napi::Number::New(env_, out[i]).ToString().Utf8Value());
        }
      }
    }
    return out;
  }

 private:
  Napi::Env env_;
  std::string ctx_;
  Napi::Object obj_;
};

// An optional callback: undefined/null gives an empty Function, anything else must be a function.
inline Napi::Function OptionalFunction(Napi::Env env, const std::string& ctx, const char* name,
                                       const Napi::Value& v) {
  if (v.IsUndefined() || v.IsNull()) return Napi::Function();
  if (!v.IsFunction()) {
    throw Napi::TypeError::New(env, ctx + ": " + name + " must be a function, got " + Describe(v));
  }
  return v.As<Napi::Function>();
}

// A number argument (not a field): an integer in [min, max].
inline int64_t IntegerArg(Napi::Env env, const std::string& ctx, const char* name, const Napi::Value& v,
                          double min, double max, const std::string& expect) {
  if (!v.IsNumber()) {
    throw Napi::TypeError::New(env, ctx + ": " + name + " must be " + expect + ", got " + Describe(v));
  }
  const double x = v.As<Napi::Number>().DoubleValue();
  if (!IsInteger(x) || x < min || x > max) {
    throw Napi::RangeError::New(env, ctx + ": " + name + " must be " + expect + ", got " + Describe(v));
  }
  return static_cast<int64_t>(x);
}

}  // namespace richscale::args
