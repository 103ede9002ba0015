//! Checks the signatures of requests we receive: an actor's RSA public key, read once
//! from the PEM it publishes, verifies RSASSA-PKCS1-v1_5 SHA-256 signatures with AWS-LC
//! (as [`super::signing`] signs ours). Both signature schemes we accept
//! ([`super::signature_policy`] for draft-cavage, [`super::message_signatures`] for RFC
//! 9421) end here.

/// An actor's RSA public key, read from the PEM it publishes (`-----BEGIN PUBLIC
/// KEY-----`, or PKCS#1's `-----BEGIN RSA PUBLIC KEY-----`), to verify its signatures.
///
/// Verified by AWS-LC, as we sign: the `rsa` crate's verification was a sixth of the CPU
/// time of accepting an activity (docs/benchmarks-portal.md, section 1). Keys of 1024 to
/// 8192 bits are accepted, as the `rsa` crate accepted them: a few older servers still
/// publish 1024-bit keys.
pub struct VerifyingKey(Vec<u8>);

impl VerifyingKey {
    pub fn from_pem(public_key_pem: &str) -> Result<Self, KeyUnreadable> {
        let (label, der) = rsa::pkcs8::der::Document::from_pem(public_key_pem.trim())
            .map_err(|_| KeyUnreadable)?;
        if !matches!(label, "PUBLIC KEY" | "RSA PUBLIC KEY") {
            return Err(KeyUnreadable);
        }
        Ok(Self(der.into_vec()))
    }

    /// Whether `signature` is an RSASSA-PKCS1-v1_5 SHA-256 signature of `message`.
    pub fn verifies_sha256(&self, message: &[u8], signature: &[u8]) -> bool {
        use aws_lc_rs::signature::{
            RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY, UnparsedPublicKey,
        };
        UnparsedPublicKey::new(&RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY, &self.0)
            .verify(message, signature)
            .is_ok()
    }
}

/// A public key that is not an RSA key in PEM.
#[derive(Debug, thiserror::Error)]
#[error("the signer's public key is unreadable")]
pub struct KeyUnreadable;

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::{Pkcs1v15Sign, RsaPrivateKey, pkcs8::DecodePrivateKey};
    use sha2::{Digest, Sha256};

    /// AWS-LC verifies what the `rsa` crate verified, from either PEM an actor publishes,
    /// and nothing else.
    #[test]
    fn verification_accepts_exactly_the_rsa_crates_signatures() {
        use rsa::{
            RsaPublicKey,
            pkcs1::{EncodeRsaPublicKey, LineEnding},
        };
        let pair = activitypub_federation::http_signatures::generate_actor_keypair().expect("keys");
        let old = RsaPrivateKey::from_pkcs8_pem(&pair.private_key).expect("parsed by rsa");
        let message = b"(request-target): post /inbox\nhost: desa.example";
        let signature = old
            .sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(message))
            .expect("rsa signs");
        let pkcs1 = RsaPublicKey::from(&old)
            .to_pkcs1_pem(LineEnding::LF)
            .expect("PKCS#1 PEM");
        for pem in [pair.public_key.as_str(), pkcs1.as_str()] {
            let key = VerifyingKey::from_pem(pem).expect("readable");
            assert!(key.verifies_sha256(message, &signature));
            assert!(!key.verifies_sha256(b"another message", &signature));
            let mut flipped = signature.clone();
            flipped[0] ^= 1;
            assert!(!key.verifies_sha256(message, &flipped));
        }
        let other =
            activitypub_federation::http_signatures::generate_actor_keypair().expect("keys");
        let stranger = VerifyingKey::from_pem(&other.public_key).expect("readable");
        assert!(!stranger.verifies_sha256(message, &signature));
        for unreadable in [
            "",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
            pair.private_key.as_str(),
        ] {
            assert!(
                VerifyingKey::from_pem(unreadable).is_err(),
                "{unreadable:?}"
            );
        }
    }
}
