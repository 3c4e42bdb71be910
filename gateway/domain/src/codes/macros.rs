//! Generates a closed code-list enum from one table, so the variant, its
//! wire code and its description can never drift apart.

/// Numeric codes (NCCIS activity, characteristic, level of need).
macro_rules! numeric_code {
    (
        $(#[$meta:meta])*
        $name:ident: $repr:ty, $list:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, $desc:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every code in the list, in code order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire code.
            pub const fn code(self) -> $repr {
                match self { $($name::$variant => $code),+ }
            }

            /// The description used in the published code list.
            pub const fn description(self) -> &'static str {
                match self { $($name::$variant => $desc),+ }
            }
        }

        impl TryFrom<$repr> for $name {
            type Error = $crate::codes::CodeError;
            fn try_from(v: $repr) -> Result<Self, Self::Error> {
                match v {
                    $($code => Ok($name::$variant),)+
                    _ => Err($crate::codes::CodeError::UnknownNumber { list: $list, code: u16::from(v) }),
                }
            }
        }

        impl From<$name> for $repr {
            fn from(c: $name) -> $repr {
                c.code()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{}", self.code())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::codes::CodeError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let v: $repr = s
                    .trim()
                    .parse()
                    .map_err(|_| $crate::codes::CodeError::UnknownText { list: $list })?;
                Self::try_from(v)
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                ::serde::Serialize::serialize(&self.code(), s)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let v = <$repr as ::serde::Deserialize>::deserialize(d)?;
                Self::try_from(v).map_err(<D::Error as ::serde::de::Error>::custom)
            }
        }
    };
}

/// Text codes (gender, SEN provision, cohort status, SSDA903).
macro_rules! text_code {
    (
        $(#[$meta:meta])*
        $name:ident, $list:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, $desc:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every code in the list, in published order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire code.
            pub const fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The description used in the published code list.
            pub const fn description(self) -> &'static str {
                match self { $($name::$variant => $desc),+ }
            }

            /// Parse a code; surrounding whitespace and letter case are ignored.
            pub fn parse(s: &str) -> Result<Self, $crate::codes::CodeError> {
                let s = s.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|c| c.code().eq_ignore_ascii_case(s))
                    .ok_or($crate::codes::CodeError::UnknownText { list: $list })
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::codes::CodeError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let v = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                Self::parse(&v).map_err(<D::Error as ::serde::de::Error>::custom)
            }
        }
    };
}

pub(crate) use {numeric_code, text_code};
