from .exporter import bundle_export
from .importer import bundle_import
from .validate import BundleError, bundle_validate

__all__ = ["BundleError", "bundle_export", "bundle_import", "bundle_validate"]
