//! The trait impls every identifier newtype shares.
//!
//! Each type is `struct T(String)` holding the normalised value and has an
//! inherent `fn parse(&str) -> Result<T, IdError>`; this macro adds the rest.
//!
//! Serde is hand-written rather than `#[serde(try_from = "String")]` for one
//! reason: serde's default visitor errors quote the offending value
//! (`invalid type: integer `9434765919`, expected ...`), and an NHS number
//! sent as a JSON number would then land in an error log. These visitors say
//! what was wrong without the value. The wire form is still a plain string.

macro_rules! id_newtype {
    ($t:ident, $kind:expr) => {
        impl $t {
            /// The normalised value, e.g. for storage or a partner file.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl ::std::fmt::Debug for $t {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(concat!(stringify!($t), "(<redacted>)"))
            }
        }

        impl ::std::fmt::Display for $t {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl ::std::str::FromStr for $t {
            type Err = $crate::ids::IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $t {
            type Error = $crate::ids::IdError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl TryFrom<&str> for $t {
            type Error = $crate::ids::IdError;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                Self::parse(s)
            }
        }

        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        }

        impl AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl ::serde::Serialize for $t {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $t {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl V {
                    fn non_string<E: ::serde::de::Error>(&self) -> E {
                        // `Unexpected::Other` carries no value, unlike Signed/Unsigned/Bytes.
                        E::invalid_type(::serde::de::Unexpected::Other("a non-string value"), self)
                    }
                }
                impl ::serde::de::Visitor<'_> for V {
                    type Value = $t;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        write!(f, "{} as a string", $kind)
                    }
                    fn visit_str<E: ::serde::de::Error>(self, v: &str) -> Result<$t, E> {
                        $t::parse(v).map_err(E::custom)
                    }
                    fn visit_bool<E: ::serde::de::Error>(self, _: bool) -> Result<$t, E> {
                        Err(self.non_string())
                    }
                    fn visit_i64<E: ::serde::de::Error>(self, _: i64) -> Result<$t, E> {
                        Err(self.non_string())
                    }
                    fn visit_u64<E: ::serde::de::Error>(self, _: u64) -> Result<$t, E> {
                        Err(self.non_string())
                    }
                    fn visit_i128<E: ::serde::de::Error>(self, _: i128) -> Result<$t, E> {
                        Err(self.non_string())
                    }
                    fn visit_u128<E: ::serde::de::Error>(self, _: u128) -> Result<$t, E> {
                        Err(self.non_string())
                    }
                    fn visit_f64<E: ::serde::de::Error>(self, _: f64) -> Result<$t, E> {
                        Err(self.non_string())
                    }
                    fn visit_bytes<E: ::serde::de::Error>(self, _: &[u8]) -> Result<$t, E> {
                        Err(self.non_string())
                    }
                }
                // serde_json reports a wrong type itself, value included,
                // when asked for a string; through `deserialize_any` the
                // visitor above sees the value and answers without it.
                // Binary formats are not self-describing and cannot serve
                // `deserialize_any`, so for them we ask for a str directly.
                if d.is_human_readable() {
                    d.deserialize_any(V)
                } else {
                    d.deserialize_str(V)
                }
            }
        }
    };
}

pub(crate) use id_newtype;
