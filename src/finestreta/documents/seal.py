"""The city's electronic seal: PAdES signatures on certificates, made and checked with pyHanko.

A certificate is sealed by an incremental update (the rendered PDF/A bytes stay as they are,
the signature is appended), as a *certification* signature (DocMDP, form filling allowed: a
later time stamp or validation data may still be added) with the ``ETSI.CAdES.detached``
sub-filter (PAdES baseline B-B: no time stamp, since no time-stamping authority is reachable
from here). The signature field is invisible and printable, as PDF/A asks, and the update
leaves the document information and XMP metadata alone, so they keep saying the same.

Production: a PKCS#12 file (seal certificate, its chain and key) and its password come from the
settings (:func:`load_seal_from_settings`). Demos: :func:`init_seal` makes a self-signed seal
(``finestreta seal init``). The password is never logged nor put in an exception message.

:func:`check_seal` re-verifies a stored PDF: the signature's integrity (the signed byte ranges
hash to the signed digest, the signature over it is valid), that it covers the whole file, and
whether the signing certificate is one of the trusted seal certificates.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_cms import SimpleSigner
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

log = logging.getLogger(__name__)

FIELD_NAME = "SegellElectronic"
KEY_TYPES = ("rsa-2048", "rsa-3072", "ec-p256")
DEFAULT_KEY_TYPE = "rsa-3072"
DEMO_DAYS = 3 * 365


class SealError(RuntimeError):
    """The seal cannot be loaded or used; the message never contains the password."""


@dataclass(frozen=True)
class SealInfo:
    """What a person may see of a seal: subject, issuer, validity, SHA-256 of the certificate."""

    subject: str
    issuer: str
    serial: str
    not_before: datetime
    not_after: datetime
    sha256: str
    key: str

    @classmethod
    def of(cls, certificate: x509.Certificate) -> SealInfo:
        public = certificate.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            key = f"RSA {public.key_size}"
        elif isinstance(public, ec.EllipticCurvePublicKey):
            key = f"EC {public.curve.name}"
        else:
            key = type(public).__name__
        return cls(
            subject=certificate.subject.rfc4514_string(),
            issuer=certificate.issuer.rfc4514_string(),
            serial=format(certificate.serial_number, "x"),
            not_before=certificate.not_valid_before_utc,
            not_after=certificate.not_valid_after_utc,
            sha256=certificate.fingerprint(hashes.SHA256()).hex(),
            key=key,
        )


_CONSTANT_ATTRIBUTES = {"content_type", "signing_certificate_v2", "cms_algorithm_protection"}


class _KeptKeySigner(SimpleSigner):
    """A SimpleSigner that does per seal what pyHanko redoes per signature.

    * The parsed private key is kept (pyHanko parses it for every signature, and parsing checks
      an RSA key, which costs more than signing).
    * The signed attributes of a PAdES signature are the content type, the message digest and
      the signing certificate: only the digest changes. They are built by pyHanko once, kept as
      DER, and later ones are that DER with the new digest in place (building them with
      asn1crypto was two thirds of the time of a seal). Anything else (a time stamp, a signing
      time, other attributes) goes through pyHanko every time."""

    def __init__(self, key: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._key = key
        self._attribute_templates: dict[tuple[Any, ...], tuple[bytes, int]] = {}

    async def signed_attrs(
        self,
        data_digest: bytes,
        digest_algorithm: str,
        attr_settings: Any = None,
        content_type: str = "data",
        use_pades: bool = False,
        timestamper: Any = None,
        dry_run: bool = False,
        is_pdf_sig: bool = True,
    ) -> cms.CMSAttributes:
        plain = (
            timestamper is None
            and not dry_run
            and (
                attr_settings is None
                or (
                    attr_settings.cades_signed_attrs is None
                    and attr_settings.adobe_revinfo_attr is None
                )
            )
        )
        key = (digest_algorithm, content_type, use_pades, is_pdf_sig, len(data_digest))
        template = self._attribute_templates.get(key) if plain else None
        if template is not None:
            der, at = template
            return cms.CMSAttributes.load(der[:at] + data_digest + der[at + len(data_digest) :])
        attributes: cms.CMSAttributes = await super().signed_attrs(
            data_digest,
            digest_algorithm,
            attr_settings=attr_settings,
            content_type=content_type,
            use_pades=use_pades,
            timestamper=timestamper,
            dry_run=dry_run,
            is_pdf_sig=is_pdf_sig,
        )
        types = {attribute["type"].native for attribute in attributes}
        der = attributes.dump()
        if (
            plain
            and types - {"message_digest"} <= _CONSTANT_ATTRIBUTES
            and der.count(data_digest) == 1
        ):
            self._attribute_templates[key] = (der, der.index(data_digest))
        return attributes

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        algorithm = {
            "sha256": hashes.SHA256(),
            "sha384": hashes.SHA384(),
            "sha512": hashes.SHA512(),
        }
        if digest_algorithm in algorithm:
            if mechanism == "rsassa_pkcs1v15" and isinstance(self._key, rsa.RSAPrivateKey):
                signature: bytes = self._key.sign(
                    data, padding.PKCS1v15(), algorithm[digest_algorithm]
                )
                return signature
            if mechanism == "ecdsa" and isinstance(self._key, ec.EllipticCurvePrivateKey):
                signature = self._key.sign(data, ec.ECDSA(algorithm[digest_algorithm]))
                return signature
        result: bytes = super().sign_raw(data, digest_algorithm)
        return result


class _SealWriter(IncrementalPdfFileWriter):
    """An incremental update that leaves the document information and XMP metadata alone.

    pyHanko would set ``/ModDate`` and add itself to ``/Producer`` in both, reading the clock
    twice and writing different producer strings in each, which breaks their PDF/A equivalence.
    The sealed file's metadata stays the rendered one (issue time, Finestreta as producer)."""

    def _update_meta(self) -> None:
        return None


@dataclass
class Seal:
    """A loaded seal: the certificate, its chain, and a signer that keeps the parsed key."""

    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()
    _signer: Any = field(default=None, repr=False)
    _reserved: int = field(default=0, repr=False)

    @cached_property
    def info(self) -> SealInfo:
        return SealInfo.of(self.certificate)

    def sign(self, pdf: bytes, *, reason: str, location: str, name: str | None = None) -> bytes:
        """``pdf`` with the seal appended as an incremental update (PAdES B-B, DocMDP)."""
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            certify=True,
            docmdp_permissions=fields.MDPPerm.FILL_FORMS,
            reason=reason,
            location=location,
            name=name,
        )
        writer = _SealWriter(io.BytesIO(pdf), strict=False)
        pdf_signer = signers.PdfSigner(
            meta,
            self._signer,
            new_field_spec=fields.SigFieldSpec(
                FIELD_NAME, invis_sig_settings=fields.InvisSigSettings(set_print_flag=True)
            ),
        )
        try:
            output = pdf_signer.sign_pdf(writer, bytes_reserved=self._reserved)
        except (SigningError, PdfError) as error:
            raise SealError(f"the document could not be sealed: {error}") from error
        data: bytes = output.getvalue()
        return data


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _signature_size(key: Any) -> int:
    if isinstance(key, rsa.RSAPrivateKey):
        return int(key.key_size // 8)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return 2 * ((key.curve.key_size + 7) // 8) + 9
    return 1024


def seal_from_objects(
    key: Any, certificate: x509.Certificate, chain: tuple[x509.Certificate, ...] = ()
) -> Seal:
    """A :class:`Seal` from a private key and certificates already loaded by ``cryptography``."""
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise SealError("the seal's key must be RSA or EC")
    spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if certificate.public_key().public_bytes(*spki) != key.public_key().public_bytes(*spki):
        raise SealError("the seal's key does not belong to its certificate")
    key_der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    from asn1crypto import keys as asn1_keys

    store = SimpleCertificateStore.from_certs([_asn1(c) for c in chain])  # type: ignore[no-untyped-call]
    signer = _KeptKeySigner(
        key,
        signing_cert=_asn1(certificate),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=store,
    )
    # Room for the CMS object (written in hexadecimal: two characters a byte): certificates,
    # signature, signed attributes and a margin, so that pyHanko need not estimate it with a
    # dry-run signature every time.
    certificates = sum(
        len(c.public_bytes(serialization.Encoding.DER)) for c in (certificate, *chain)
    )
    reserved = 2 * (certificates + _signature_size(key) + 2048)
    return Seal(certificate, chain, signer, reserved + (-reserved % 512))


def load_seal(pkcs12_data: bytes, password: str | bytes | None) -> Seal:
    """A seal from PKCS#12 bytes (``.p12``/``.pfx``) and its password."""
    secret = password.encode() if isinstance(password, str) else password
    try:
        key, certificate, others = pkcs12.load_key_and_certificates(pkcs12_data, secret or None)
    except ValueError:
        raise SealError(
            "the seal's PKCS#12 could not be opened: wrong password or not PKCS#12"
        ) from None
    if key is None or certificate is None:
        raise SealError("the seal's PKCS#12 lacks the key or the certificate")
    return seal_from_objects(key, certificate, tuple(others))


def load_seal_file(path: str | Path, password: str | bytes | None) -> Seal:
    """A seal from a PKCS#12 file. The password is never logged."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise SealError(f"the seal file {str(path)!r} cannot be read: {error.strerror}") from None
    seal = load_seal(data, password)
    info = seal.info
    log.info(
        "seal loaded: %s (valid until %s, SHA-256 %s)", info.subject, info.not_after, info.sha256
    )
    return seal


def load_seal_from_settings(settings: Any) -> Seal | None:
    """The seal of ``settings.seal_pkcs12`` (a path) and ``settings.seal_password``; ``None``
    when no file is configured. Reads the attributes with ``getattr``, so it works before the
    settings exist (they are added by the lead: see docs/certificates.md)."""
    path = getattr(settings, "seal_pkcs12", "") or ""
    if not path:
        return None
    password = getattr(settings, "seal_password", "")
    if hasattr(password, "get_secret_value"):  # pydantic SecretStr
        password = password.get_secret_value()
    return load_seal_file(path, password or None)


def make_demo_seal(
    city: str,
    *,
    key_type: str = DEFAULT_KEY_TYPE,
    organization: str | None = None,
    nif: str | None = None,
    days: int = DEMO_DAYS,
    now: datetime | None = None,
) -> tuple[Any, x509.Certificate]:
    """A self-signed seal certificate and key for demos: ``CN=Segell electrònic de
    l'Ajuntament de {city} (DEMO)``, key usage digitalSignature + nonRepudiation."""
    if key_type not in KEY_TYPES:
        raise ValueError(f"key_type must be one of {', '.join(KEY_TYPES)}, not {key_type!r}")
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    if key_type == "ec-p256":
        key = ec.generate_private_key(ec.SECP256R1())
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=int(key_type[4:]))
    organization = organization or f"Ajuntament de {city}"
    names = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ES"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "DEMO - sense validesa legal"),
    ]
    if nif:
        names.append(x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, f"VATES-{nif}"))
    names.append(
        x509.NameAttribute(NameOID.COMMON_NAME, f"Segell electrònic de l'{organization} (DEMO)")
    )
    subject = x509.Name(names)
    start = (now or datetime.now(UTC)) - timedelta(minutes=5)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def pkcs12_bytes(
    key: Any, certificate: x509.Certificate, password: str, name: str = "seal"
) -> bytes:
    """The key and certificate as a PKCS#12 archive encrypted with ``password`` (AES-256)."""
    if not password:
        raise ValueError("a seal's PKCS#12 needs a password")
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(200_000)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password.encode())
    )
    data: bytes = pkcs12.serialize_key_and_certificates(
        name.encode(), key, certificate, None, encryption
    )
    return data


def init_seal(
    path: str | Path,
    password: str,
    city: str,
    *,
    key_type: str = DEFAULT_KEY_TYPE,
    nif: str | None = None,
    overwrite: bool = False,
) -> SealInfo:
    """``finestreta seal init``: write a self-signed demo seal to ``path`` (PKCS#12, mode 0600)
    and return what it is. Refuses to replace an existing file unless ``overwrite``."""
    target = Path(path)
    if target.exists() and not overwrite:
        raise SealError(f"{str(target)!r} exists already (overwrite it explicitly)")
    key, certificate = make_demo_seal(city, key_type=key_type, nif=nif)
    data = pkcs12_bytes(key, certificate, password)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.incoming")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return SealInfo.of(certificate)


@dataclass(frozen=True)
class SealCheck:
    """The result of re-verifying a sealed PDF.

    ``intact``: exactly one signature, its digest matches the signed bytes and the signature
    over it is valid; ``whole_file``: it covers every byte (nothing appended since);
    ``trusted``: the signing certificate is one of the trusted seal certificates (by SHA-256).
    ``ok`` is all three."""

    intact: bool
    whole_file: bool
    trusted: bool
    signer: str = ""
    signer_sha256: str = ""
    signed_at: datetime | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.intact and self.whole_file and self.trusted


def check_seal(pdf: bytes, trusted_sha256: Collection[str]) -> SealCheck:
    """Re-verify the seal of ``pdf`` with pyHanko. ``trusted_sha256``: SHA-256 fingerprints of
    the seal certificates to trust (the one recorded when the document was issued); the
    certificate chain is not built and nothing is fetched (no revocation look-ups)."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError) as error:
        return SealCheck(False, False, False, problem=f"unreadable PDF: {error}")
    if len(signatures) != 1:
        return SealCheck(False, False, False, problem=f"{len(signatures)} signatures, not 1")
    try:
        # The trust decision is the fingerprint comparison below; pyHanko is given the signer's
        # own certificate as its root only so that it does not fall back on the system's list.
        context = ValidationContext(
            trust_roots=[signatures[0].signer_cert],
            allow_fetching=False,
            revocation_mode="soft-fail",
        )
        status = validate_pdf_signature(signatures[0], context)
    except Exception as error:  # a malformed signature must not take the page down
        return SealCheck(False, False, False, problem=f"signature unreadable: {error}")
    certificate = status.signing_cert
    fingerprint = hashlib.sha256(certificate.dump()).hexdigest()
    intact = bool(status.intact and status.valid)
    whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    trusted = fingerprint in trusted_sha256
    problems = [
        text
        for failed, text in (
            (not intact, "signature broken"),
            (not whole_file, "bytes added after the seal"),
            (not trusted, "sealed with another certificate"),
        )
        if failed
    ]
    return SealCheck(
        intact=intact,
        whole_file=whole_file,
        trusted=trusted,
        signer=_common_name(certificate),
        signer_sha256=fingerprint,
        signed_at=status.signer_reported_dt,
        problem=", ".join(problems),
    )


def _common_name(certificate: Any) -> str:
    """The certificate subject's common name (the whole subject when it has none)."""
    name = certificate.subject.native.get("common_name")
    if isinstance(name, list):
        name = name[-1] if name else None
    return str(name) if name else str(certificate.subject.human_friendly)
