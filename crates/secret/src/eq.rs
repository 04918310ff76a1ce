use secrecy::{ExposeSecret, SecretBox, SecretSlice, SecretString};

/// Constant-time equality for secrets, through [`guardrail_ct::eq`].
///
/// `==` is not implemented on secrets on purpose: it would return at the
/// first differing byte. Lengths are public (see [`guardrail_ct::eq`]).
///
/// ```
/// use guardrail_secret::{SecretEq, SecretString};
/// let stored = SecretString::from("correct horse");
/// assert!(stored.secret_eq("correct horse"));
/// assert!(!stored.secret_eq(&SecretString::from("battery staple")));
/// ```
pub trait SecretEq<Rhs: ?Sized = Self> {
    /// `true` when both hold the same bytes; time independent of the contents.
    #[must_use]
    fn secret_eq(&self, other: &Rhs) -> bool;
}

impl SecretEq for SecretString {
    fn secret_eq(&self, other: &Self) -> bool {
        guardrail_ct::eq_str(self.expose_secret(), other.expose_secret())
    }
}

impl SecretEq<str> for SecretString {
    fn secret_eq(&self, other: &str) -> bool {
        guardrail_ct::eq_str(self.expose_secret(), other)
    }
}

impl SecretEq for SecretSlice<u8> {
    fn secret_eq(&self, other: &Self) -> bool {
        guardrail_ct::eq(self.expose_secret(), other.expose_secret())
    }
}

impl SecretEq<[u8]> for SecretSlice<u8> {
    fn secret_eq(&self, other: &[u8]) -> bool {
        guardrail_ct::eq(self.expose_secret(), other)
    }
}

impl<const N: usize> SecretEq for SecretBox<[u8; N]> {
    fn secret_eq(&self, other: &Self) -> bool {
        guardrail_ct::eq_array(self.expose_secret(), other.expose_secret())
    }
}

impl<const N: usize> SecretEq<[u8; N]> for SecretBox<[u8; N]> {
    fn secret_eq(&self, other: &[u8; N]) -> bool {
        guardrail_ct::eq_array(self.expose_secret(), other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_and_arrays() {
        let a = SecretSlice::from(vec![1u8, 2, 3]);
        assert!(a.secret_eq(&SecretSlice::from(vec![1u8, 2, 3])));
        assert!(!a.secret_eq(&[1u8, 2][..]));
        let k = SecretBox::new(Box::new([9u8; 16]));
        assert!(k.secret_eq(&[9u8; 16]));
        assert!(!k.secret_eq(&SecretBox::new(Box::new([8u8; 16]))));
    }
}
