"""A file field's storage looked up in settings.STORAGES at each use.

A FileField calls its `storage` callable once, when the model class is built: handing it
`storages[alias]` itself pins the storage configured at start-up, and a change of
settings.STORAGES (a test's override, which resets `storages`) would not move the files.
`StorageByAlias` asks for the storage configured now at every call."""

from django.core.files.storage import Storage, storages


class StorageByAlias(Storage):
    """The storage named `alias` in settings.STORAGES, whatever it is when a file is used."""

    def __init__(self, alias: str):
        self.alias = alias

    @property
    def current(self) -> Storage:
        return storages[self.alias]

    def open(self, name, mode="rb"):
        return self.current.open(name, mode)

    def save(self, name, content, max_length=None):
        return self.current.save(name, content, max_length=max_length)

    def get_valid_name(self, name):
        return self.current.get_valid_name(name)

    def get_alternative_name(self, file_root, file_ext):
        return self.current.get_alternative_name(file_root, file_ext)

    def get_available_name(self, name, max_length=None):
        return self.current.get_available_name(name, max_length=max_length)

    def generate_filename(self, filename):
        return self.current.generate_filename(filename)

    def path(self, name):
        return self.current.path(name)

    def delete(self, name):
        return self.current.delete(name)

    def exists(self, name):
        return self.current.exists(name)

    def listdir(self, path):
        return self.current.listdir(path)

    def size(self, name):
        return self.current.size(name)

    def url(self, name):
        return self.current.url(name)

    def get_accessed_time(self, name):
        return self.current.get_accessed_time(name)

    def get_created_time(self, name):
        return self.current.get_created_time(name)

    def get_modified_time(self, name):
        return self.current.get_modified_time(name)

    def __getattr__(self, name):
        # What a backend adds to the Storage API (`location`, `base_location`…).
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.current, name)
